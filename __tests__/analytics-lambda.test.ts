/**
 * The micro-batch Lambda handler, run locally: objects are served by a real S3-protocol server
 * (s3rver on 127.0.0.1) and read with the real AWS SDK S3 client; the Firehose client is the only
 * stand-in (a fake PutRecordBatch that records calls and fails records on purpose).
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { PutRecordBatchCommandInput, PutRecordBatchCommandOutput } from "@aws-sdk/client-firehose";
import type { S3Event } from "aws-lambda";
import { compileAnalyticsSql } from "../analytics/dialect";
import { AnalyticsEngine } from "../analytics/engine";
import { LAB_SQL_FILE, LAB_STREAMS } from "../analytics/lab";
import { createHandler, objectKey } from "../analytics/lambda/handler";
import { LAB_RECORD_CHECKS } from "../analytics/schema-checks";
import { batches, MAX_BATCH_BYTES, putAllRecords, PutRecordBatch } from "../analytics/lambda/put-records";
import { createBucket, LocalS3, startLocalS3 } from "../scripts/local-s3";
import { asDestinationRecord, lossEvents } from "../scripts/loss-events";

const BUCKET = "lab-bucket";
const STREAM = "Destination";


/** An S3 event notification for objects, as S3 sends it (keys URL-encoded, '+' for spaces). */
function s3Event(...keys: string[]): S3Event {
  return {
    Records: keys.map((key) => ({
      eventSource: "aws:s3",
      eventName: "ObjectCreated:Put",
      s3: { bucket: { name: BUCKET }, object: { key: encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+") } },
    })),
  } as unknown as S3Event;
}

/**
 * The fake Firehose: records every PutRecordBatch call; `fail(call, index)` decides which records
 * of which call fail (call numbers from 1), `throwOn(call)` makes a whole call throw.
 */
function fakeFirehose(options: { fail?: (call: number, index: number) => string | undefined; throwOn?: (call: number) => Error | undefined } = {}) {
  const calls: string[][] = [];
  const delivered: string[] = [];
  const put: PutRecordBatch = async (input: PutRecordBatchCommandInput) => {
    expect(input.DeliveryStreamName).toBe(STREAM);
    const records = input.Records!.map((r) => Buffer.from(r.Data!).toString("utf8"));
    calls.push(records);
    const thrown = options.throwOn?.(calls.length);
    if (thrown) throw thrown;
    const results = records.map((record, i) => {
      const code = options.fail?.(calls.length, i);
      if (code === undefined) delivered.push(record);
      return code === undefined ? { RecordId: `id-${calls.length}-${i}` } : { ErrorCode: code, ErrorMessage: "try again" };
    });
    return { FailedPutCount: results.filter((r) => "ErrorCode" in r).length, Encrypted: true, RequestResponses: results, $metadata: {} } as PutRecordBatchCommandOutput;
  };
  return { put, calls, delivered };
}

describe("the micro-batch handler on a real S3-protocol server, with a fake Firehose client", () => {
  let server: LocalS3;
  let s3: S3Client;
  let engine: AnalyticsEngine;
  const sleeps: number[] = [];
  const send = { sleep: async (ms: number) => void sleeps.push(ms), random: () => 1 };
  const records = lossEvents(1201, 21);
  const lines = records.map((r) => JSON.stringify(r));

  const put = (key: string, body: string | Buffer) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const handlerWith = (firehose: ReturnType<typeof fakeFirehose>) =>
    createHandler({ s3, engine, destinationStream: STREAM, putRecordBatch: firehose.put, send, log: () => undefined });

  beforeAll(async () => {
    server = await startLocalS3();
    s3 = server.client;
    await createBucket(s3, BUCKET);
    engine = await AnalyticsEngine.open(compileAnalyticsSql(readFileSync(LAB_SQL_FILE, "utf8"), LAB_STREAMS, "stream-application.sql"), { checks: LAB_RECORD_CHECKS });
    // As Firehose writes them: one JSON record per line, under source/YYYY/MM/dd/HH/.
    await put("source/2024/05/01/10/Source-1-2024-05-01-10-00-00-abc", `${lines.join("\n")}\n`);
    await put("source/2024/05/01/10/Source-1 gzipped.gz", gzipSync(`${lines.slice(0, 7).join("\n")}\n`));
    await put("source/2024/05/01/11/bad", `${lines[0]}\n${JSON.stringify({ ...records[1], DiscoveryDate: "yesterday" })}\n${lines[2]}\n`);
  });

  afterAll(async () => {
    engine?.close();
    await server?.stop();
  });

  beforeEach(() => {
    sleeps.length = 0;
  });

  it("sends every row of an object to the destination stream in batches of at most 500", async () => {
    const firehose = fakeFirehose();
    const result = await handlerWith(firehose)(s3Event("source/2024/05/01/10/Source-1-2024-05-01-10-00-00-abc"));
    expect(firehose.calls.map((c) => c.length)).toEqual([500, 500, 201]);
    expect(firehose.delivered.map((r) => JSON.parse(r))).toEqual(records.map(asDestinationRecord));
    expect(firehose.delivered.every((r) => r.endsWith("}\n"))).toBe(true); // one JSON object per line, as under source/
    expect(result.objects).toEqual([expect.objectContaining({ records: 1201, rows: 1201, calls: 3, resent: 0 })]);
  });

  it("reads gzipped objects and URL-encoded keys", async () => {
    const firehose = fakeFirehose();
    await handlerWith(firehose)(s3Event("source/2024/05/01/10/Source-1 gzipped.gz"));
    expect(firehose.delivered.map((r) => JSON.parse(r))).toEqual(records.slice(0, 7).map(asDestinationRecord));
    expect(objectKey("source/a+b%2Bc.gz")).toBe("source/a b+c.gz");
  });

  it("re-sends exactly the records that failed (per-record ErrorCode), with backoff, losing none and sending none twice", async () => {
    const failing = new Set([3, 250, 499]);
    const firehose = fakeFirehose({ fail: (call, i) => (call === 1 && failing.has(i) ? "ServiceUnavailableException" : undefined) });
    const result = await handlerWith(firehose)(s3Event("source/2024/05/01/10/Source-1-2024-05-01-10-00-00-abc"));
    expect(firehose.calls.map((c) => c.length)).toEqual([500, 3, 500, 201]);
    expect(firehose.calls[1]).toEqual([...failing].map((i) => firehose.calls[0][i]));
    expect([...firehose.delivered].sort()).toEqual(records.map((r) => `${JSON.stringify(asDestinationRecord(r))}\n`).sort());
    expect(result.objects[0]).toEqual(expect.objectContaining({ calls: 4, resent: 3 }));
    expect(sleeps).toEqual([100]);
  });

  it("retries a call that throws a retryable error", async () => {
    const unavailable = Object.assign(new Error("slow down"), { name: "ServiceUnavailableException", $metadata: { httpStatusCode: 503 } });
    const firehose = fakeFirehose({ throwOn: (call) => (call <= 2 ? unavailable : undefined) });
    await handlerWith(firehose)(s3Event("source/2024/05/01/10/Source-1 gzipped.gz"));
    expect(firehose.calls.map((c) => c.length)).toEqual([7, 7, 7]);
    expect(firehose.delivered).toHaveLength(7);
    expect(sleeps).toEqual([100, 200]);
  });

  it("fails the invocation when records still fail after the bound, saying how many were not sent", async () => {
    const firehose = fakeFirehose({ fail: (call, i) => (i === 0 && call >= 2 ? "ServiceUnavailableException" : undefined) });
    // Call 1 (records 1-500) succeeds; record 501 fails on every call of the second batch; the third is never tried.
    const invocation = handlerWith(firehose)(s3Event("source/2024/05/01/10/Source-1-2024-05-01-10-00-00-abc"));
    await expect(invocation).rejects.toThrow(
      "202 of 1201 records were not sent to Destination: 1 still failed after 5 attempts (ServiceUnavailableException: try again) and 201 were not tried",
    );
    expect(firehose.calls.map((c) => c.length)).toEqual([500, 500, 1, 1, 1, 1]);
    expect(sleeps).toEqual([100, 200, 400, 800]);
    // Nothing lost: what was delivered plus what the error reports unsent is every row.
    expect(firehose.delivered.length + 202).toBe(1201);
  });

  it("does not retry an error that another call would not fix", async () => {
    const denied = Object.assign(new Error("not allowed"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } });
    const firehose = fakeFirehose({ throwOn: () => denied });
    await expect(handlerWith(firehose)(s3Event("source/2024/05/01/10/Source-1 gzipped.gz"))).rejects.toThrow("not allowed");
    expect(firehose.calls).toHaveLength(1);
  });

  it("sends nothing from an object with a record that does not fit, and fails naming its line", async () => {
    const firehose = fakeFirehose();
    await expect(handlerWith(firehose)(s3Event("source/2024/05/01/11/bad"))).rejects.toThrow(
      's3://lab-bucket/source/2024/05/01/11/bad: 1 of 3 records cannot be processed, so none of its rows was sent:\n  line 2: does not match the source schema (schemas/loss-event.schema.json): DiscoveryDate: must match format "date" (got "yesterday")',
    );
    expect(firehose.calls).toHaveLength(0);
  });

  it("fails when the object does not exist (S3's own error), so Lambda retries", async () => {
    await expect(handlerWith(fakeFirehose())(s3Event("source/missing"))).rejects.toThrow(/^s3:\/\/lab-bucket\/source\/missing: cannot be read: .*key does not exist/i);
  });
});

describe("PutRecordBatch limits", () => {
  it("splits batches at 4 MiB as well as at 500 records", () => {
    const big = new Uint8Array(900 * 1024);
    expect(batches(Array(10).fill(big)).map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches(Array(1001).fill(new Uint8Array(10))).map((b) => b.length)).toEqual([500, 500, 1]);
    expect(batches([]).length).toBe(0);
    expect(4 * 900 * 1024).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });

  it("refuses a record over 1,000 KiB before sending anything", async () => {
    const firehose = fakeFirehose();
    await expect(putAllRecords(firehose.put, STREAM, [new Uint8Array(10), new Uint8Array(1000 * 1024 + 1)])).rejects.toThrow("record 2 is 1024001 bytes");
    expect(firehose.calls).toHaveLength(0);
  });
});
