/**
 * The micro-batch engine's Lambda function: each object Firehose delivers under the source prefix
 * triggers it (S3 event notification); it runs the analytics SQL over that object's records and
 * sends the output rows to the destination stream, one JSON object per line, packed into Firehose
 * records of up to PACK_BYTES bytes (the objects under the destination prefix are the same bytes).
 *
 * Every record must be a source record and every row a destination record (the schemas, checked
 * by ajv), decoded as strict UTF-8. An object with a record or row that does not fit is not sent
 * at all: the invocation fails naming the object (s3://bucket/key), the lines and the values (cut
 * short), Lambda retries it, then hands the event to the on-failure queue. Once the cause is
 * fixed, re-driving it sends every row once. A send that still fails after bounded retries also
 * fails the invocation; rows already sent are sent again on retry (at least once).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { compileAnalyticsSql } from "../dialect/compiler";
import { SqlRunner } from "../dialect/duckdb-runner";
import { LAB_RECORD_CHECKS } from "../sql/record-checks";
import { shortened, SHOWN_PROBLEM_CHARS, SHOWN_PROBLEMS } from "../text/shown";
import { FIREHOSE_MAX_RECORD_BYTES } from "../aws/limits";
import { notAllowed, satisfying } from "../input/allowed";
import { packRecords } from "./pack-records";
import { DESTINATION_STREAM_ENV, PACK_BYTES_ENV, PACKAGED_ANALYTICS_FILE, PackagedAnalytics } from "./packaged";
import { putAllRecords, PutRecordBatch, SendOptions } from "./put-records";

export interface ObjectReport {
  readonly bucket: string;
  readonly key: string;
  readonly records: number;
  readonly rows: number;
  /** Firehose records the rows were packed into. */
  readonly firehoseRecords: number;
  readonly calls: number;
  readonly resent: number;
  readonly ms: number;
}

export interface HandlerDependencies {
  readonly s3: Pick<S3Client, "send">;
  readonly putRecordBatch: PutRecordBatch;
  /** The SQL runner, opened with the record checks (the function's own has LAB_RECORD_CHECKS). */
  readonly runner: SqlRunner;
  readonly destinationStream: string;
  /** Most bytes of rows packed into one Firehose record (0: one row each). */
  readonly packBytes: number;
  readonly send?: SendOptions;
  readonly log?: (entry: Record<string, unknown>) => void;
}

export type AnalyticsHandler = (event: S3Event) => Promise<{ objects: ObjectReport[] }>;

/** S3 event keys are URL-encoded, with '+' for spaces. */
export function objectKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, " "));
}

export function createHandler(deps: HandlerDependencies): AnalyticsHandler {
  const log = deps.log ?? ((entry) => console.log(JSON.stringify(entry)));
  // The event comes from outside: a test invocation may have no Records.
  return async (event: Partial<S3Event>) => {
    const objects: ObjectReport[] = [];
    for (const record of event.Records ?? []) {
      const started = Date.now();
      const bucket = record.s3.bucket.name;
      const key = objectKey(record.s3.object.key);
      const where = `s3://${bucket}/${key}`;
      // Every failure names the object; S3's, gzip's and DuckDB's own errors included.
      const failed = (what: string, e: unknown) =>
        new Error(`${where}: ${what}: ${shortened(String((e as Partial<Error>).message ?? e), SHOWN_PROBLEM_CHARS)}`);
      let body: Uint8Array;
      try {
        const response = await deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        body = await response.Body!.transformToByteArray();
      } catch (e) {
        throw failed("cannot be read", e);
      }
      if (body[0] === 0x1f && body[1] === 0x8b) {
        try {
          body = gunzipSync(body); // LAB_COMPRESSION=GZIP
        } catch (e) {
          throw failed("is not valid gzip", e);
        }
      }
      let result: Awaited<ReturnType<SqlRunner["run"]>>;
      try {
        result = await deps.runner.run(body);
      } catch (e) {
        throw failed("the analytics failed, so none of its rows was sent", e);
      }
      if (result.problems.length > 0) {
        const shown = result.problems.slice(0, SHOWN_PROBLEMS).map((p) => `  line ${p.line}: ${p.message}`);
        const more = result.problems.length > SHOWN_PROBLEMS ? [`  ... and ${result.problems.length - SHOWN_PROBLEMS} more`] : [];
        throw new Error(
          `${where}: ${result.problems.length} of ${result.records} records cannot be processed, so none of its rows was sent:\n` +
            [...shown, ...more].join("\n"),
        );
      }
      const rows = result.rows.map((row) => Buffer.from(`${JSON.stringify(row)}\n`));
      const sent = await putAllRecords(deps.putRecordBatch, deps.destinationStream, packRecords(rows, deps.packBytes), deps.send);
      const report = {
        bucket,
        key,
        records: result.records,
        rows: rows.length,
        firehoseRecords: sent.records,
        calls: sent.calls,
        resent: sent.resent,
        ms: Date.now() - started,
      };
      log({ message: "processed", ...report });
      objects.push(report);
    }
    return { objects };
  };
}

let ready: Promise<AnalyticsHandler> | undefined;

/** PACK_BYTES as the construct sets it: a whole number of bytes, at most one Firehose record. */
const PACK_BYTES_TEXT = satisfying(
  (text: string | undefined) => /^\d+$/.test(text ?? "") && Number(text) <= FIREHOSE_MAX_RECORD_BYTES,
  `a whole number of bytes from 0 to ${FIREHOSE_MAX_RECORD_BYTES}`,
);

/** Builds the handler from the package and the environment, once per execution environment. */
async function fromPackage(): Promise<AnalyticsHandler> {
  const destinationStream = process.env[DESTINATION_STREAM_ENV];
  if (!destinationStream) throw new Error(`${DESTINATION_STREAM_ENV} is not set: the function does not know where to send rows`);
  const packBytesText = process.env[PACK_BYTES_ENV];
  if (!PACK_BYTES_TEXT.test(packBytesText)) throw new Error(notAllowed(PACK_BYTES_ENV, packBytesText, PACK_BYTES_TEXT));
  const packBytes = Number(packBytesText);
  const packaged = JSON.parse(readFileSync(join(__dirname, PACKAGED_ANALYTICS_FILE), "utf8")) as PackagedAnalytics;
  // Leave half of the function's memory to Node.js (records, rows, the SDK).
  const memoryMiB = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  const runner = await SqlRunner.open(compileAnalyticsSql(packaged.sql, packaged.streams, packaged.sqlFile), {
    memoryLimit: Number.isFinite(memoryMiB) && memoryMiB > 0 ? `${Math.floor(memoryMiB / 2)}MB` : undefined,
    checks: LAB_RECORD_CHECKS,
  });
  // A custom endpoint is an S3-compatible server (a local test), addressed by path.
  const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
  const firehose = new FirehoseClient({});
  return createHandler({ s3, runner, destinationStream, packBytes, putRecordBatch: (input) => firehose.send(new PutRecordBatchCommand(input)) });
}

/** The Lambda entry point (`index.handler` in the deployment package). */
export async function handler(event: S3Event): Promise<{ objects: ObjectReport[] }> {
  ready ??= fromPackage().catch((e: unknown) => {
    ready = undefined; // the next invocation tries again
    throw e;
  });
  return (await ready)(event);
}
