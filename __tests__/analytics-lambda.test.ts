/**
 * The micro-batch Lambda handler, run locally: objects are served by a real S3-protocol server
 * (s3rver on 127.0.0.1) and read with the real AWS SDK S3 client; the Firehose client is the only
 * stand-in (a fake PutRecordBatch that records calls and fails records on purpose).
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { PutRecordBatchCommandInput } from "@aws-sdk/client-firehose";
import type { S3Event } from "aws-lambda";
import { compileAnalyticsSql } from "../dialect/compiler";
import { SqlRunner } from "../dialect/duckdb-runner";
import { LAB_ANALYTICS } from "../sql/analytics";
import { createHandler, handler, objectKey } from "../micro-batch/handler";
import { LAB_RECORD_CHECKS } from "../sql/record-checks";
import { batches, putAllRecords, PutRecordBatch } from "../micro-batch/put-records";
import { FIREHOSE_BATCH_MAX_BYTES } from "../aws/limits";
import { createBucket, LocalS3, startLocalS3 } from "../fixtures/local-s3";
import { asDestinationRecord, lossEvents } from "../fixtures/loss-events";

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
    return { FailedPutCount: results.filter((r) => "ErrorCode" in r).length, Encrypted: true, RequestResponses: results, $metadata: {} };
  };
  return { put, calls, delivered };
}

describe("the micro-batch handler on a real S3-protocol server, with a fake Firehose client", () => {
  let server: LocalS3;
  let s3: S3Client;
  let runner: SqlRunner;
  const sleeps: number[] = [];
  const send = { sleep: async (ms: number) => void sleeps.push(ms), random: () => 1 };
  const records = lossEvents(1201, 21);
  const lines = records.map((r) => JSON.stringify(r));

  const put = (key: string, body: string | Buffer) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const handlerWith = (firehose: ReturnType<typeof fakeFirehose>, packBytes = 0) =>
    createHandler({ s3, runner, destinationStream: STREAM, packBytes, putRecordBatch: firehose.put, send, log: () => undefined });

  beforeAll(async () => {
    server = await startLocalS3();
    s3 = server.client;
    await createBucket(s3, BUCKET);
    runner = await SqlRunner.open(compileAnalyticsSql(readFileSync(LAB_ANALYTICS.sqlFile, "utf8"), LAB_ANALYTICS.streams, "stream-application.sql"), {
      checks: LAB_RECORD_CHECKS,
    });
    // As Firehose writes them: one JSON record per line, under source/YYYY/MM/dd/HH/.
    await put("source/2024/05/01/10/Source-1-2024-05-01-10-00-00-abc", `${lines.join("\n")}\n`);
    await put("source/2024/05/01/10/Source-1 gzipped.gz", gzipSync(`${lines.slice(0, 7).join("\n")}\n`));
    await put("source/2024/05/01/11/bad", `${lines[0]}\n${JSON.stringify({ ...records[1], DiscoveryDate: "yesterday" })}\n${lines[2]}\n`);
  });

  afterAll(async () => {
    // Unset when beforeAll failed before making them: then there is nothing to close.
    (runner as SqlRunner | undefined)?.close();
    await (server as LocalS3 | undefined)?.stop();
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

  it("packs rows into Firehose records of up to packBytes: the same bytes, in order, each row whole", async () => {
    const unpacked = fakeFirehose();
    await handlerWith(unpacked)(s3Event("source/2024/05/01/10/Source-1-2024-05-01-10-00-00-abc"));
    const packed = fakeFirehose();
    const result = await handlerWith(packed, 5000)(s3Event("source/2024/05/01/10/Source-1-2024-05-01-10-00-00-abc"));
    expect(packed.delivered.join("")).toBe(unpacked.delivered.join(""));
    expect(packed.delivered.every((r) => Buffer.byteLength(r) <= 5000 && r.endsWith("}\n"))).toBe(true);
    // About 15 rows of about 330 bytes to a Firehose record: one call instead of three.
    expect(packed.calls).toHaveLength(1);
    expect(result.objects).toEqual([expect.objectContaining({ rows: 1201, firehoseRecords: packed.delivered.length, calls: 1 })]);
    expect(packed.delivered.length).toBeLessThan(1201 / 10);
  });

  it("re-sends a failed packed record whole", async () => {
    const firehose = fakeFirehose({ fail: (call, i) => (call === 1 && i === 2 ? "ServiceUnavailableException" : undefined) });
    const result = await handlerWith(firehose, 5000)(s3Event("source/2024/05/01/10/Source-1-2024-05-01-10-00-00-abc"));
    expect(firehose.calls[1]).toEqual([firehose.calls[0][2]]);
    expect([...firehose.delivered].sort()).toEqual([...firehose.calls[0]].sort());
    expect(result.objects[0]).toEqual(expect.objectContaining({ rows: 1201, calls: 2, resent: 1 }));
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
    await expect(handlerWith(fakeFirehose())(s3Event("source/missing"))).rejects.toThrow(
      /^s3:\/\/lab-bucket\/source\/missing: cannot be read: .*key does not exist/i,
    );
  });
});

describe("the handler sends nothing from an object with a record that is not a source record or a row that is not a destination record", () => {
  const records = lossEvents(6, 41);
  const lines = records.map((r) => JSON.stringify(r));
  const sql = readFileSync(LAB_ANALYTICS.sqlFile, "utf8");
  const runners: SqlRunner[] = [];
  afterAll(() => runners.forEach((e) => e.close()));
  /** A handler over one object (a stand-in S3 client: these cases are about the body, not about S3). */
  async function invoke(body: string | Buffer, analyticsSql = sql) {
    const runner = await SqlRunner.open(compileAnalyticsSql(analyticsSql, LAB_ANALYTICS.streams, "stream-application.sql"), {
      checks: LAB_RECORD_CHECKS,
      threads: 1,
    });
    runners.push(runner);
    const bytes = Buffer.from(body);
    const s3 = { send: async () => ({ Body: { transformToByteArray: async () => new Uint8Array(bytes) } }) } as unknown as S3Client;
    const firehose = fakeFirehose();
    const handler = createHandler({ s3, runner, destinationStream: STREAM, packBytes: 5000, putRecordBatch: firehose.put, log: () => undefined });
    const error = await handler(s3Event("source/2024/05/01/12/object")).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    return { error: error?.message ?? "", calls: firehose.calls.length };
  }
  const object = (...bad: [number, string][]) => {
    const body = [...lines];
    for (const [line, text] of bad) body[line - 1] = text;
    return `${body.join("\n")}\n`;
  };
  const WHERE = "s3://lab-bucket/source/2024/05/01/12/object";

  it.each<[string, string, string]>([
    ["{}", "{}", "line 2: does not match the source schema (schemas/loss-event.schema.json): Region: is missing; Business: is missing;"],
    [
      "a record missing a field",
      JSON.stringify({ ...records[1], NetLoss: undefined }),
      "line 2: does not match the source schema (schemas/loss-event.schema.json): NetLoss: is missing",
    ],
    [
      "an unknown field",
      JSON.stringify({ ...records[1], Extra: 1 }),
      `line 2: does not match the source schema (schemas/loss-event.schema.json): "Extra": is not a field of the record (unknown field)`,
    ],
    [
      "a sub-category of another category",
      JSON.stringify({ ...records[1], RiskCategory: "External Fraud", RiskSubCategory: "Willful Damage" }),
      'line 2: does not match the source schema (schemas/loss-event.schema.json): RiskSubCategory: must be equal to one of the allowed values: "Systems Security", "Theft and Fraud" (got "Willful Damage")',
    ],
    [
      "numeric text for a number",
      JSON.stringify({ ...records[1], NetLoss: "12.5" }),
      'line 2: does not match the source schema (schemas/loss-event.schema.json): NetLoss: must be number (got "12.5")',
    ],
    [
      "a date with no such day",
      JSON.stringify({ ...records[1], DiscoveryDate: "2023-02-29" }),
      'line 2: does not match the source schema (schemas/loss-event.schema.json): DiscoveryDate: must match format "date" (got "2023-02-29")',
    ],
  ])("refuses %s, naming the object and the line", async (_, bad, message) => {
    const { error, calls } = await invoke(object([2, bad]));
    expect(error).toContain(`${WHERE}: 1 of 6 records cannot be processed, so none of its rows was sent:\n  ${message}`);
    expect(calls).toBe(0);
  });

  it("refuses rows that fail the destination schema: a value outside its enum, and a division by zero (NULL)", async () => {
    const renamed = await invoke(object(), sql.replace(`"Region", "Business"`, `"Region" || '!', "Business"`));
    expect(renamed.error).toContain(
      `${WHERE}: 6 of 6 records cannot be processed, so none of its rows was sent:\n  line 1: pump "STREAM_PUMP_1" gives a row that does not match the destination schema (schemas/loss-event.destination.schema.json): REGION: must be equal to one of the allowed values: "EMEA", "North America", "Asia Pac" (got "${String(records[0].Region)}!")`,
    );
    const divided = await invoke(object(), sql.replace(`"NetLoss", "RecoveryAmount"`, `"NetLoss" / ("RecoveryAmount" - "RecoveryAmount"), "RecoveryAmount"`));
    expect(divided.error).toContain(
      'line 1: pump "STREAM_PUMP_1" gives a row that does not match the destination schema (schemas/loss-event.destination.schema.json): NETLOSS: must be number (got null)',
    );
    expect(renamed.calls + divided.calls).toBe(0);
  });

  it("refuses bytes that are not UTF-8 by line, instead of forwarding U+FFFD", async () => {
    const body = Buffer.concat([
      Buffer.from(`${lines[0]}\n`),
      Buffer.from(lines[1]).subarray(0, 20),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(lines[1]).subarray(20),
      Buffer.from(`\n${lines[2]}\n`),
    ]);
    const { error, calls } = await invoke(body);
    expect(error).toBe(
      `${WHERE}: 1 of 3 records cannot be processed, so none of its rows was sent:\n  line 2: is not valid UTF-8 text (each record is one line of UTF-8 JSON)`,
    );
    expect(calls).toBe(0);
  });

  it("keeps the error small: each value cut to 200 characters, each problem to 1,000, at most 10 problems listed", async () => {
    const huge = "x".repeat(2 * 1024 * 1024);
    const bad = Array.from({ length: 11 }, (_, i) => JSON.stringify({ ...records[i % 6], Name: huge, ...(i === 0 ? { [`Extra${huge}`]: huge } : {}) }));
    const { error, calls } = await invoke(`${bad.join("\n")}\n`);
    expect(calls).toBe(0);
    expect(error.length).toBeLessThan(12_000);
    expect(error).toMatch(new RegExp(`^${WHERE}: 11 of 11 records cannot be processed`));
    expect(error).toContain(`"Extra${"x".repeat(195)}"… (2,097,157 characters): is not a field of the record (unknown field)`);
    expect(error).toContain(`Name: must NOT have more than 16 characters (got "${"x".repeat(200)}"… (2,097,152 characters))`);
    expect(error.match(/\n {2}line \d+: /g)).toHaveLength(10);
    expect(error).toMatch(/\n {2}\.\.\. and 1 more$/);
  });

  it("names the object and the line when DuckDB fails on a record at run time", async () => {
    const { error, calls } = await invoke(
      object([4, JSON.stringify({ ...records[3], NetLoss: 0 })]),
      sql.replace(`"NetLoss", "RecoveryAmount"`, `LN(ABS("NetLoss")), "RecoveryAmount"`),
    );
    expect(error).toBe(
      `${WHERE}: 1 of 6 records cannot be processed, so none of its rows was sent:\n  line 4: pump "STREAM_PUMP_1" failed: Out of Range Error: cannot take logarithm of zero (the first record it fails on; later ones were not run)`,
    );
    expect(calls).toBe(0);
  });

  it("names the object when its gzip is broken", async () => {
    const { error } = await invoke(Buffer.concat([gzipSync(lines.join("\n")).subarray(0, 30)]));
    expect(error).toMatch(new RegExp(`^${WHERE}: is not valid gzip: `));
  });
});

describe("the function's environment", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it.each(["", "-1", "4KiB", "1024001"])("refuses PACK_BYTES=%j in one line before it reads anything", async (value) => {
    process.env.DESTINATION_STREAM_NAME = STREAM;
    process.env.PACK_BYTES = value;
    await expect(handler(s3Event("source/x"))).rejects.toThrow(`PACK_BYTES = "${value}" is not allowed: it must be a whole number of bytes from 0 to 1024000`);
  });
});

describe("PutRecordBatch limits", () => {
  it("splits batches at 4 MiB as well as at 500 records", () => {
    const big = new Uint8Array(900 * 1024);
    expect(batches(Array(10).fill(big)).map((b) => b.length)).toEqual([4, 4, 2]);
    expect(batches(Array(1001).fill(new Uint8Array(10))).map((b) => b.length)).toEqual([500, 500, 1]);
    expect(batches([]).length).toBe(0);
    expect(4 * 900 * 1024).toBeLessThanOrEqual(FIREHOSE_BATCH_MAX_BYTES);
  });

  it("refuses a record over 1,000 KiB before sending anything", async () => {
    const firehose = fakeFirehose();
    await expect(putAllRecords(firehose.put, STREAM, [new Uint8Array(10), new Uint8Array(1000 * 1024 + 1)])).rejects.toThrow("record 2 is 1024001 bytes");
    expect(firehose.calls).toHaveLength(0);
  });
});
