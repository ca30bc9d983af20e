/**
 * A fake S3 on 127.0.0.1, for the verifier's tests and benchmark and for trying `npm run verify`
 * without an AWS account: s3rver (an S3-protocol server written in Node.js, a stand-in for S3)
 * in a child process, storing objects in a temporary folder; and seeding a bucket the way
 * Firehose fills the lab's (keys, record formats, compression).
 *
 *   npm run local-s3 -- [--records N] [--port P]    serves a seeded bucket until Ctrl-C
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { asDestinationRecord, lossEvents } from "./loss-events";

/** s3rver accepts only these keys (and checks request signatures with them). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
export const LOCAL_S3_REGION = "us-east-1";
const SERVE = "--serve";

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
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the local S3 server stopped (exit ${code}) before listening`)));
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

/** Runs in the child: serves until standard input closes (the parent stopped it, or died). */
async function serve(directory: string, port: number): Promise<void> {
  const S3rver = (await import("s3rver")).default;
  const server = new S3rver({ address: "127.0.0.1", port, directory, silent: true });
  const address = await server.run();
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
}

/** Writes the records as Firehose would, `perObject` to an object; returns the objects written. */
export async function seedLikeFirehose(client: S3Client, bucket: string, options: SeedOptions): Promise<{ key: string; body: Buffer }[]> {
  const objects: { key: string; body: Buffer }[] = [];
  const at = new Date();
  for (let i = 0; i < options.records.length; i += options.perObject) {
    const bytes = recordBytes(options.records.slice(i, i + options.perObject), options.layout ?? "lines");
    const key = firehoseKey(options.prefix, options.stream, at, options.gzip ? ".gz" : "");
    const body = options.gzip ? gzipSync(bytes) : bytes;
    await putObject(client, bucket, key, body);
    objects.push({ key, body });
  }
  return objects;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: "string", default: "2000" }, port: { type: "string", default: "4568" }, bucket: { type: "string", default: "lab-local" } } });
  const count = Number(values.records);
  const port = Number(values.port);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--records = ${JSON.stringify(values.records)} is not allowed: it must be a whole number, 1 or more`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port = ${JSON.stringify(values.port)} is not allowed: it must be a port number, 0-65535 (0: any free port)`);
  const s3 = await startLocalS3({ port });
  const records = lossEvents(count);
  await createBucket(s3.client, values.bucket);
  const perObject = Math.max(1, Math.ceil(count / 4));
  await seedLikeFirehose(s3.client, values.bucket, { prefix: "source/", stream: "Source", records, perObject });
  await seedLikeFirehose(s3.client, values.bucket, { prefix: "destination/", stream: "Destination", records: records.map(asDestinationRecord), perObject, gzip: true });
  console.log(`Fake S3 (s3rver) at ${s3.endpoint}: bucket ${values.bucket} holds ${count.toLocaleString("en-US")} records under source/ and under destination/ (gzip).`);
  console.log(`Try:\n  AWS_ACCESS_KEY_ID=${LOCAL_S3_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_S3_CREDENTIALS.secretAccessKey} npm run verify -- --bucket ${values.bucket} --endpoint ${s3.endpoint}`);
  console.log("Ctrl-C stops the server and deletes its folder.");
  const stop = () => void s3.stop().finally(() => process.exit(0));
  process.on("SIGINT", stop).on("SIGTERM", stop);
}

if (require.main === module) {
  if (process.argv[2] === SERVE) {
    void serve(process.argv[3], Number(process.argv[4]));
  } else {
    main().catch((error: Error) => {
      console.error(`local-s3: ${error.message}`);
      process.exit(1);
    });
  }
}
