/**
 * A fake S3 on 127.0.0.1, for the verifier's tests and benchmark and for trying `npm run verify`
 * without an AWS account: s3rver (an S3-protocol server written in Node.js, a stand-in for S3)
 * in a child process, storing objects in a temporary folder; and seeding a bucket the way
 * Firehose fills the lab's (keys, record formats, compression).
 *
 *   npm run local-s3 -- [--records N] [--port P] [--bucket NAME]    serves a seeded bucket until Ctrl-C
 *
 * Exit status: 0 after Ctrl-C; 1 the server or the seeding failed; 2 bad usage, or a port that
 * cannot be used (taken, or privileged): one line on stderr.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { isS3BucketName, S3_BUCKET_NAME_RULE } from "../constructs/aws-limits";
import { asDestinationRecord, lossEvents } from "./loss-events";

/** s3rver accepts only these keys (and checks request signatures with them). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
export const LOCAL_S3_REGION = "us-east-1";
const SERVE = "--serve";
/** Most records `npm run local-s3` seeds: they are generated and held in memory. */
const MAX_SEED_RECORDS = 1_000_000;
/** How long ago the seeded objects were delivered: longer than any processing allowance the settings allow (900 s + 900 s). */
const SEEDED_AGE_MS = 35 * 60_000;

/** The server could not start; `port` is set when the port given cannot be used (in use, or privileged). */
export class LocalS3StartError extends Error {
  constructor(
    message: string,
    readonly port?: number,
  ) {
    super(message);
    this.name = "LocalS3StartError";
  }
}

export interface LocalS3 {
  readonly endpoint: string;
  readonly client: S3Client;
  /** Sets an object's Last-Modified: s3rver reports its stored file's modification time. */
  setLastModified(bucket: string, key: string, date: Date): void;
  stop(): Promise<void>;
}

/** A client for the local server (path-style requests, its fixed keys). */
export function localS3Client(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string } = LOCAL_S3_CREDENTIALS): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_S3_REGION,
    forcePathStyle: true,
    credentials,
    // s3rver predates the SDK's default upload checksums (aws-chunked bodies with trailers).
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** Starts the server on 127.0.0.1 (a free port unless one is given); `stop()` ends it and deletes its folder. */
export async function startLocalS3(options: { port?: number } = {}): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "lab-s3-"));
  // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its legacy provider.
  const child = spawn(
    process.execPath,
    ["--openssl-legacy-provider", "-r", join(__dirname, "register-ts.js"), __filename, SERVE, directory, String(options.port ?? 0)],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString();
      const listening = /^listening (\d+)$/m.exec(out);
      if (listening) resolve(Number(listening[1]));
      const failed = /^failed (\S+) (.*)$/m.exec(out);
      if (failed) reject(startError(failed[1], failed[2], options.port ?? 0));
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new LocalS3StartError(`the local S3 server stopped (exit ${code}) before listening`)));
  }).catch((error: unknown) => {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localS3Client(endpoint);
  return {
    endpoint,
    client,
    setLastModified(bucket, key, date) {
      // s3rver's file layout: <folder>/<bucket>/<key folders>/<name>._S3rver_object
      const parts = key.split("/");
      const name = parts.pop()!;
      utimesSync(join(directory, bucket, ...parts, `${name}._S3rver_object`), date, date);
    },
    async stop() {
      client.destroy();
      child.stdin.end(); // the server stops when its standard input closes
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The one line for a server that could not listen, from the error code the child reported. */
function startError(code: string, message: string, port: number): LocalS3StartError {
  if (code === "EADDRINUSE") return new LocalS3StartError(`port ${port} on 127.0.0.1 is already in use: pass another --port (0: any free port)`, port);
  if (code === "EACCES") return new LocalS3StartError(`port ${port} on 127.0.0.1 needs privileges this user does not have: pass a --port above 1023 (0: any free port)`, port);
  return new LocalS3StartError(`the local S3 server could not listen on 127.0.0.1:${port}: ${message} (${code})`);
}

/** Runs in the child: serves until standard input closes (the parent stopped it, or died). */
async function serve(directory: string, port: number): Promise<void> {
  const S3rver = (await import("s3rver")).default;
  const server = new S3rver({ address: "127.0.0.1", port, directory, silent: true });
  const failed = (error: unknown): never => {
    const { code, message } = error as NodeJS.ErrnoException;
    process.stdout.write(`failed ${code ?? "ERROR"} ${String(message).split("\n")[0]}\n`);
    process.exit(1);
  };
  // s3rver waits for 'listening' only: a port that cannot be bound surfaces as the server's unhandled 'error'.
  process.once("uncaughtException", failed);
  const address = await server.run().catch(failed);
  process.off("uncaughtException", failed);
  process.stdout.write(`listening ${address.port}\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.stdin.on("end", stop).resume();
  process.on("SIGTERM", stop).on("SIGINT", stop);
}

// Seeding like Firehose ---------------------------------------------------------------------------

export type RecordLayout = "lines" | "concatenated";

/** Firehose's key for an object delivered at `at`: `<prefix>YYYY/MM/dd/HH/<stream>-1-YYYY-MM-dd-HH-mm-ss-<uuid><extension>`. */
export function firehoseKey(prefix: string, stream: string, at: Date, extension = ""): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const [y, mo, d, h, mi, s] = [at.getUTCFullYear(), two(at.getUTCMonth() + 1), two(at.getUTCDate()), two(at.getUTCHours()), two(at.getUTCMinutes()), two(at.getUTCSeconds())];
  return `${prefix}${y}/${mo}/${d}/${h}/${stream}-1-${y}-${mo}-${d}-${h}-${mi}-${s}-${randomUUID()}${extension}`;
}

/**
 * Records as Firehose concatenates them: one per line (this project's generator), or with no
 * delimiter in the lab's original style (Python's json.dumps: `{"Region": "EMEA", ...}{...}`).
 */
export function recordBytes(records: readonly Record<string, unknown>[], layout: RecordLayout): Buffer {
  if (layout === "lines") return Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const labStyle = (r: Record<string, unknown>) => `{${Object.entries(r).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")}}`;
  return Buffer.from(records.map(labStyle).join(""));
}

export async function createBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}

export async function putObject(client: S3Client, bucket: string, key: string, body: Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export interface SeedOptions {
  readonly prefix: string;
  readonly stream: string;
  readonly records: readonly Record<string, unknown>[];
  /** Records per object (Firehose's 1 MiB buffer holds about 4,000 of these). */
  readonly perObject: number;
  readonly layout?: RecordLayout;
  readonly gzip?: boolean;
  /** When the objects were delivered (their keys' time). @default now */
  readonly at?: Date;
}

/** Writes the records as Firehose would, `perObject` to an object; returns the objects written. */
export async function seedLikeFirehose(client: S3Client, bucket: string, options: SeedOptions): Promise<{ key: string; body: Buffer }[]> {
  const objects: { key: string; body: Buffer }[] = [];
  const at = options.at ?? new Date();
  for (let i = 0; i < options.records.length; i += options.perObject) {
    const bytes = recordBytes(options.records.slice(i, i + options.perObject), options.layout ?? "lines");
    const key = firehoseKey(options.prefix, options.stream, at, options.gzip ? ".gz" : "");
    const body = options.gzip ? gzipSync(bytes) : bytes;
    await putObject(client, bucket, key, body);
    objects.push({ key, body });
  }
  return objects;
}

/** Bad usage: exit status 2. */
class UsageError extends Error {}

function parseMainArgs(argv: string[]): { records: number; port: number; bucket: string } {
  let values: { records: string; port: string; bucket: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { records: { type: "string", default: "2000" }, port: { type: "string", default: "4568" }, bucket: { type: "string", default: "lab-local" } },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (options: --records N, --port P, --bucket NAME)`);
  }
  const whole = (text: string) => (/^\d+$/.test(text) ? Number(text) : NaN);
  const records = whole(values.records);
  const port = whole(values.port);
  if (!(records >= 1 && records <= MAX_SEED_RECORDS)) {
    throw new UsageError(`--records = ${JSON.stringify(values.records)} is not allowed: it must be a whole number from 1 to ${MAX_SEED_RECORDS.toLocaleString("en-US")} (they are generated and held in memory)`);
  }
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port = ${JSON.stringify(values.port)} is not allowed: it must be a port number, 0-65535 (0: any free port)`);
  if (!isS3BucketName(values.bucket)) throw new UsageError(`--bucket = ${JSON.stringify(values.bucket)} is not allowed: it must be ${S3_BUCKET_NAME_RULE}`);
  return { records, port, bucket: values.bucket };
}

async function main(): Promise<void> {
  const { records: count, port, bucket } = parseMainArgs(process.argv.slice(2));
  const s3 = await startLocalS3({ port });
  try {
    const records = lossEvents(count);
    await createBucket(s3.client, bucket);
    const perObject = Math.max(1, Math.ceil(count / 4));
    // Delivered a while ago, destination a minute after source, so every record is old enough to judge.
    const at = Date.now() - SEEDED_AGE_MS;
    const seeded = [
      ...(await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records, perObject, at: new Date(at) })),
      ...(await seedLikeFirehose(s3.client, bucket, { prefix: "destination/", stream: "Destination", records: records.map(asDestinationRecord), perObject, gzip: true, at: new Date(at + 60_000) })),
    ];
    for (const { key } of seeded) s3.setLastModified(bucket, key, new Date(key.startsWith("source/") ? at : at + 60_000));
  } catch (error) {
    await s3.stop();
    throw error;
  }
  console.log(`Fake S3 (s3rver) at ${s3.endpoint}: bucket ${bucket} holds ${count.toLocaleString("en-US")} records under source/ and under destination/ (gzip), delivered ${SEEDED_AGE_MS / 60_000} minutes ago.`);
  console.log(`Try:\n  AWS_ACCESS_KEY_ID=${LOCAL_S3_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_S3_CREDENTIALS.secretAccessKey} npm run verify -- --bucket ${bucket} --endpoint ${s3.endpoint}`);
  console.log("Ctrl-C stops the server and deletes its folder.");
  const stop = () => void s3.stop().finally(() => process.exit(0));
  process.on("SIGINT", stop).on("SIGTERM", stop);
}

if (require.main === module) {
  if (process.argv[2] === SERVE) {
    void serve(process.argv[3], Number(process.argv[4]));
  } else {
    main().catch((error: Error) => {
      const usage = error instanceof UsageError || (error instanceof LocalS3StartError && error.port !== undefined);
      console.error(`local-s3: ${error.message.split("\n")[0]}`);
      process.exit(usage ? 2 : 1);
    });
  }
}
