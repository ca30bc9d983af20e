/**
 * `npm run local-s3`: a fake S3 on 127.0.0.1 (fixtures/local-s3.ts) holding a seeded bucket, for
 * trying `npm run verify` without an AWS account.
 *
 *   npm run local-s3 -- [--records N] [--port P] [--bucket NAME]    serves a seeded bucket until Ctrl-C
 *
 * Exit status: 0 after Ctrl-C; 1 the server or the seeding failed; 2 bad usage, or a port that
 * cannot be used (taken, or privileged): one line on stderr.
 */
import { parseArgs } from "node:util";
import { S3_BUCKET_NAME } from "../aws/limits";
import { notAllowed, satisfying } from "../input/allowed";
import { asDestinationRecord, lossEvents } from "../fixtures/loss-events";
import { createBucket, LOCAL_S3_CREDENTIALS, LocalS3StartError, seedLikeFirehose, startLocalS3 } from "../fixtures/local-s3";

/** Most records `npm run local-s3` seeds: they are generated and held in memory. */
const MAX_SEED_RECORDS = 1_000_000;
/** How long ago the seeded objects were delivered: longer than any processing allowance the settings allow (900 s + 900 s). */
const SEEDED_AGE_MS = 35 * 60_000;

/** Bad usage: exit status 2. */
class UsageError extends Error {}

/** How many records to seed: they are generated and held in memory. */
const RECORDS = satisfying(
  (n: number) => n >= 1 && n <= MAX_SEED_RECORDS,
  `a whole number from 1 to ${MAX_SEED_RECORDS.toLocaleString("en-US")} (they are generated and held in memory)`,
);
/** The port to listen on. */
const PORT = satisfying((n: number) => n >= 0 && n <= 65535, "a port number, 0-65535 (0: any free port)");

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
  if (!RECORDS.test(records)) throw new UsageError(notAllowed("--records", values.records, RECORDS));
  if (!PORT.test(port)) throw new UsageError(notAllowed("--port", values.port, PORT));
  if (!S3_BUCKET_NAME.test(values.bucket)) throw new UsageError(notAllowed("--bucket", values.bucket, S3_BUCKET_NAME));
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
      ...(await seedLikeFirehose(s3.client, bucket, {
        prefix: "destination/",
        stream: "Destination",
        records: records.map(asDestinationRecord),
        perObject,
        gzip: true,
        at: new Date(at + 60_000),
      })),
    ];
    for (const { key } of seeded) s3.setLastModified(bucket, key, new Date(key.startsWith("source/") ? at : at + 60_000));
  } catch (error) {
    await s3.stop();
    throw error;
  }
  console.log(
    `Fake S3 (s3rver) at ${s3.endpoint}: bucket ${bucket} holds ${count.toLocaleString("en-US")} records under source/ and under destination/ (gzip), delivered ${SEEDED_AGE_MS / 60_000} minutes ago.`,
  );
  console.log(
    `Try:\n  AWS_ACCESS_KEY_ID=${LOCAL_S3_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_S3_CREDENTIALS.secretAccessKey} npm run verify -- --bucket ${bucket} --endpoint ${s3.endpoint}`,
  );
  console.log("Ctrl-C stops the server and deletes its folder.");
  const stop = () => void s3.stop().finally(() => process.exit(0));
  process.on("SIGINT", stop).on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  const usage = error instanceof UsageError || (error instanceof LocalS3StartError && error.port !== undefined);
  const message = error instanceof Error ? error.message : String(error);
  console.error(`local-s3: ${message.split("\n")[0]}`);
  process.exit(usage ? 2 : 1);
});
