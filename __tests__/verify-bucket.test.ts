/**
 * The verifier against a fake S3: s3rver, an S3-protocol server started on 127.0.0.1 by these
 * tests (scripts/local-s3.ts), seeded the way Firehose fills the lab bucket. No mocked client.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { S3ServiceException } from "@aws-sdk/client-s3";
import fc from "fast-check";
import { createBucket, firehoseKey, LocalS3, localS3Client, putObject, recordBytes, seedLikeFirehose, startLocalS3 } from "../fixtures/local-s3";
import { asDestinationRecord, lossEvents } from "../fixtures/loss-events";
import { fingerprint } from "../verify/object-check";
import { describeS3Error, S3Problem } from "../verify/s3";
import { prefixesOverlap } from "../aws/key-prefixes";
import { renderReport } from "../verify/report";
import { processingAllowanceMs } from "../verify/allowance";
import { checkUntilSettled, Verifier, VerifyOptions } from "../verify/verifier";

const FIXTURES = join(__dirname, "fixtures", "verify");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const FIXTURE_RECORDS = 40; // records in each fixtures/verify/records.* file
const fixtureRecords = () =>
  readFileSync(join(FIXTURES, "records.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const HOUR = 3_600_000;
const MINUTE = 60_000;

let s3: LocalS3;
const records = lossEvents(600, 5);
let bucketCount = 0;

beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await (s3 as LocalS3 | undefined)?.stop(); // unset when beforeAll failed
});

/** A new, empty bucket for one scenario. */
async function newBucket(): Promise<string> {
  const bucket = `verify-test-${++bucketCount}`;
  await createBucket(s3.client, bucket);
  return bucket;
}

const options = (bucket: string, more: Partial<VerifyOptions> = {}): VerifyOptions => ({
  client: s3.client,
  bucket,
  sourcePrefix: "source/",
  destinationPrefix: "destination/",
  sinceMs: HOUR,
  // Every record counts as processed, however fresh: the tests of the allowance set their own.
  processingAllowanceMs: 0,
  ...more,
});

/** A bucket whose prefixes both hold good data. */
async function goodBucket(): Promise<string> {
  const bucket = await newBucket();
  await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records: records.slice(0, 100), perObject: 50 });
  await seedLikeFirehose(s3.client, bucket, {
    prefix: "destination/",
    stream: "Destination",
    records: records.slice(0, 100).map(asDestinationRecord),
    perObject: 100,
  });
  return bucket;
}

describe("Verifier against a fake S3 (s3rver on 127.0.0.1)", () => {
  it("passes a bucket of good data in every format Firehose writes, and counts what it read", async () => {
    const bucket = await newBucket();
    const at = new Date();
    const source = records.slice(0, 400);
    await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records: source.slice(0, 200), perObject: 100 });
    await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records: source.slice(200, 300), perObject: 50 });
    await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records: source.slice(300), perObject: 100, gzip: true });
    for (const [name, extension] of [
      ["records.zip", ".zip"],
      ["records.snappy", ".snappy"],
      ["records.hsnappy", ""],
    ]) {
      await putObject(s3.client, bucket, firehoseKey("source/", "Source", at, extension), fixture(name));
    }
    // The destination: a row for every source record (the fixtures' 40 three times), 10 of them twice,
    // and 50 records the source never had; the lab's SQL application wrote rows back to back.
    const others = lossEvents(50, 99);
    const rows = [...source, ...fixtureRecords(), ...fixtureRecords(), ...fixtureRecords()].map(asDestinationRecord);
    await seedLikeFirehose(s3.client, bucket, { prefix: "destination/", stream: "Destination", records: rows, perObject: 130, gzip: true });
    await seedLikeFirehose(s3.client, bucket, {
      prefix: "destination/",
      stream: "Destination",
      records: [...source.slice(0, 10), ...others].map(asDestinationRecord),
      perObject: 60,
      layout: "concatenated",
    });

    const report = await new Verifier(options(bucket)).check();
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(true);
    const sourceRecords = 400 + 3 * FIXTURE_RECORDS;
    expect(report.source).toMatchObject({
      objects: 2 + 2 + 1 + 3,
      records: sourceRecords,
      valid: sourceRecords,
      invalid: 0,
      unreadable: 0,
      encodings: { json: 4, gzip: 1, zip: 1, snappy: 1, "hadoop-snappy": 1 },
      problems: [],
      expectedAtDestination: sourceRecords,
      foundAtDestination: sourceRecords,
      missingAtDestination: 0,
      missing: [],
    });
    expect(report.destination).toMatchObject({
      objects: 5,
      records: sourceRecords + 60,
      valid: sourceRecords + 60,
      invalid: 0,
      encodings: { gzip: 4, json: 1 },
    });
    // Each source record pairs with at most one destination row: the duplicates and strangers are reported, not failed.
    expect(report.destination.matchingSource).toBe(sourceRecords);
    expect(report.destination.matchingNoSource).toBe(60);
    expect(report.source.newestObjectAgeMs).toBeGreaterThanOrEqual(0);
    expect(report.source.newestObjectAgeMs).toBeLessThan(HOUR);
    expect(report.source.bytes).toBeGreaterThan(0);
  });

  it("matches a destination record to a source record by its eleven values, names upper-cased", () => {
    const [record] = records;
    expect(fingerprint(asDestinationRecord(record), "destination")).toBe(fingerprint(record, "source"));
    expect(fingerprint({ ...asDestinationRecord(record), NETLOSS: 0.5 }, "destination")).not.toBe(fingerprint(record, "source"));
  });

  it("lists every page, newest object first, and leaves out objects older than --since", async () => {
    const bucket = await newBucket();
    const keys = (await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records: records.slice(0, 25), perObject: 1 })).map(
      (o) => o.key,
    );
    await seedLikeFirehose(s3.client, bucket, {
      prefix: "destination/",
      stream: "Destination",
      records: records.slice(0, 25).map(asDestinationRecord),
      perObject: 25,
    });
    // Five objects delivered two hours ago; one of them, and one recent object, hold an invalid record.
    const [recent, ...rest] = keys;
    const old = rest.slice(0, 5);
    await putObject(s3.client, bucket, recent, Buffer.from('{"Region": "Mars"}\n'));
    await putObject(s3.client, bucket, old[0], Buffer.from('{"Region": "Venus"}\n'));
    for (const key of old) s3.setLastModified(bucket, key, new Date(Date.now() - 2 * HOUR));
    s3.setLastModified(bucket, recent, new Date(Date.now() + 60_000)); // the newest

    const lastHour = await new Verifier(options(bucket, { pageSize: 10, problemsShown: 1 })).check();
    expect(lastHour.source).toMatchObject({ objects: 20, records: 20, invalid: 1 });
    expect(lastHour.source.problems).toEqual([expect.objectContaining({ key: recent, record: 1, line: 1, offset: 0 })]);

    const everything = await new Verifier(options(bucket, { pageSize: 10, problemsShown: 1, sinceMs: undefined })).check();
    expect(everything.source).toMatchObject({ objects: 25, records: 25, invalid: 2 });
    expect(everything.source.problems.map((p) => p.key)).toEqual([recent]); // the newest object's problem comes first
    expect(everything.failures).toEqual(["2 invalid records, more than the 0 allowed"]);
  });

  it("reports broken, truncated and schema-invalid records with object key and position; --max-invalid lets them pass", async () => {
    const bucket = await goodBucket();
    const at = new Date();
    const lines = recordBytes(records.slice(200, 203), "lines").toString().split("\n");
    const brokenInMiddle = firehoseKey("source/", "Source", at);
    await putObject(s3.client, bucket, brokenInMiddle, Buffer.from([lines[0], '{"Region": "EMEA", "Business": ', lines[1], lines[2]].join("\n")));
    const three = recordBytes(records.slice(203, 206), "lines");
    const truncated = firehoseKey("source/", "Source", at);
    await putObject(s3.client, bucket, truncated, three.subarray(0, three.length - 30));
    await seedLikeFirehose(s3.client, bucket, {
      prefix: "destination/",
      stream: "Destination",
      records: records.slice(200, 205).map(asDestinationRecord),
      perObject: 5,
    });
    const wrongSubCategory = firehoseKey("destination/", "Destination", at, ".gz");
    const bad = { ...asDestinationRecord(records[0]), RISKCATEGORY: "Internal Fraud", RISKSUBCATEGORY: "Willful Damage" };
    await putObject(s3.client, bucket, wrongSubCategory, gzipSync(recordBytes([asDestinationRecord(records[1]), bad], "lines")));

    const report = await new Verifier(options(bucket)).check();
    expect(report.passed).toBe(false);
    expect(report.failures).toEqual(["3 invalid records, more than the 0 allowed"]);
    expect(report.source).toMatchObject({ records: 100 + 4 + 3, valid: 100 + 3 + 2, invalid: 2 });
    expect(report.source.problems).toEqual(
      expect.arrayContaining([
        {
          key: brokenInMiddle,
          record: 2,
          line: 2,
          offset: lines[0].length + 1,
          problem: "not closed before the end of the line",
          excerpt: '{"Region": "EMEA", "Business": ',
        },
        expect.objectContaining({ key: truncated, record: 3, line: 3, problem: "the object ends inside this record (truncated)" }),
      ]),
    );
    expect(report.destination.problems).toEqual([
      {
        key: wrongSubCategory,
        record: 2,
        line: 2,
        offset: expect.any(Number),
        problem: expect.stringMatching(/^RISKSUBCATEGORY: must be equal to one of the allowed values/),
      },
    ]);

    const tolerant = await new Verifier(options(bucket, { maxInvalid: 3 })).check();
    expect(tolerant.passed).toBe(true);
  });

  it("fails on an object it cannot decode, saying which and why, and still counts the records read before the damage", async () => {
    const bucket = await goodBucket();
    const at = new Date();
    const cut = firehoseKey("source/", "Source", at, ".gz");
    const gzipped = gzipSync(recordBytes(records.slice(0, 300), "lines"));
    await putObject(s3.client, bucket, cut, gzipped.subarray(0, Math.floor(gzipped.length / 2)));
    const binary = firehoseKey("destination/", "Destination", at);
    await putObject(s3.client, bucket, binary, Buffer.from([0x02, 0x00, 0xfe, 0x10]));

    const report = await new Verifier(options(bucket, { maxInvalid: 1000, maxMissing: 1000 })).check();
    expect(report.passed).toBe(false);
    expect(report.failures).toEqual(["2 objects could not be decoded"]);
    expect(report.source.unreadableObjects).toEqual([{ key: cut, problem: "gzip data is truncated or corrupt: unexpected end of file" }]);
    expect(report.destination.unreadableObjects).toEqual([
      { key: binary, problem: expect.stringMatching(/^not JSON text, gzip, ZIP, Snappy or Hadoop-Snappy/) },
    ]);
    expect(report.source.records).toBeGreaterThan(100); // the half that arrived was read
  });

  it("fails when a prefix is empty", async () => {
    const bucket = await newBucket();
    await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records: records.slice(0, 10), perObject: 10 });
    const report = await new Verifier(options(bucket)).check();
    expect(report.failures).toEqual([
      "destination/ holds no object modified in the last 1h",
      "10 of 10 source records older than the processing allowance (0ms) have no destination row, more than the 0 allowed",
    ]);
    expect(report.destination).toMatchObject({ objects: 0, records: 0, newestObjectAgeMs: null, matchingSource: 0 });
  });

  it("fails when objects hold no valid record", async () => {
    const bucket = await goodBucket();
    const report = await new Verifier(options(bucket, { destinationPrefix: "source/", sourcePrefix: "destination/", maxInvalid: 1000 })).check();
    expect(report.failures).toEqual([
      "destination/ holds no valid record in 1 object modified in the last 1h",
      "source/ holds no valid record in 2 objects modified in the last 1h",
    ]);
  });

  it.each([
    ["a missing bucket", () => s3.client, "no-such-bucket", /^cannot list s3:\/\/no-such-bucket\/source\/: the bucket does not exist \(NoSuchBucket\)$/],
    [
      "credentials S3 refuses",
      () => localS3Client(s3.endpoint, { accessKeyId: "NOT-S3RVER", secretAccessKey: "x" }),
      "verify-test-1",
      /^cannot list s3:\/\/verify-test-1\/source\/: S3 refused the credentials \(InvalidAccessKeyId\): check AWS_PROFILE/,
    ],
    [
      "no server listening",
      () => localS3Client("http://127.0.0.1:1"),
      "verify-test-1",
      /^cannot list s3:\/\/verify-test-1\/source\/: cannot reach S3 \(ECONNREFUSED\)$/,
    ],
  ])("reports %s as one clear line", async (_name, makeClient, bucket, message) => {
    const client = makeClient();
    const failure = await new Verifier(options(bucket, { client })).check().catch((e: unknown) => e);
    if (client !== s3.client) client.destroy();
    expect(failure).toBeInstanceOf(S3Problem);
    expect((failure as Error).message).toMatch(message);
    expect((failure as Error).message).not.toContain("\n");
  });

  it.each([
    ["AccessDenied", 403, "cannot list s3://b/source/: access denied (AccessDenied): the credentials in use may not do this on this bucket"],
    ["AllAccessDisabled", 403, "cannot list s3://b/source/: access denied (AllAccessDisabled): the credentials in use may not do this on this bucket"],
    ["SlowDown", 503, "cannot list s3://b/source/: Please reduce your request rate. (SlowDown, HTTP 503)"],
  ])("words S3's %s answer (which the fake S3 cannot give) as one line", (name, status, line) => {
    const message = name === "SlowDown" ? "Please reduce your request rate.\nMore detail" : "Access Denied";
    const error = new S3ServiceException({ name, $fault: status >= 500 ? "server" : "client", $metadata: { httpStatusCode: status }, message });
    expect(describeS3Error(error, "cannot list s3://b/source/")).toBe(line);
  });

  it("waits for a destination that arrives mid-wait, reading each object once", async () => {
    const bucket = await newBucket();
    await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records: records.slice(0, 20), perObject: 10 });
    let gets = 0;
    s3.client.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === "GetObjectCommand") gets++;
        return next(args);
      },
      { step: "initialize", name: "countGets" },
    );
    const polls: string[] = [];
    let delivery: Promise<unknown> = Promise.resolve();
    // The verifier's clock: a minute passes between the third and the fourth look.
    let skew = 0;
    try {
      const verifier = new Verifier(options(bucket, { processingAllowanceMs: MINUTE, now: () => Date.now() + skew }));
      const result = await checkUntilSettled(verifier, {
        waitMs: 30_000,
        pollMs: 100,
        onPoll: ({ report, polls: n, final }) => {
          polls.push(`${n}:${report.source.valid}/${report.destination.valid}/${report.source.foundAtDestination}:${String(final)}`);
          // Firehose delivers the destination's first object after the second look.
          if (n === 2)
            delivery = seedLikeFirehose(s3.client, bucket, {
              prefix: "destination/",
              stream: "Destination",
              records: records.slice(0, 20).map(asDestinationRecord),
              perObject: 20,
            });
          if (n === 3) skew = MINUTE;
        },
        // The next look starts once the object is wholly written.
        sleep: (ms) => delivery.then(() => new Promise((resolve) => setTimeout(resolve, ms))),
      });
      expect(result.report.passed).toBe(true);
      expect(result.report.destination.matchingSource).toBe(20);
      // Rows arrived at the third look, but no source record was old enough to judge until the fourth.
      expect(polls).toEqual(["1:20/0/0:false", "2:20/0/0:false", "3:20/20/0:false", "4:20/20/20:true"]);
      expect(gets).toBe(3); // two source objects and one destination object, each read once
    } finally {
      s3.client.middlewareStack.remove("countGets");
    }
  });

  it("stops waiting when the time runs out, with the last report", async () => {
    const bucket = await newBucket();
    await seedLikeFirehose(s3.client, bucket, { prefix: "source/", stream: "Source", records: records.slice(0, 5), perObject: 5 });
    const started = Date.now();
    const result = await checkUntilSettled(new Verifier(options(bucket, { processingAllowanceMs: 30 * MINUTE })), { waitMs: 600, pollMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(result.polls).toBeGreaterThanOrEqual(3);
    expect(result.report.failures).toEqual([
      "destination/ holds no object modified in the last 1h",
      "no valid source record is older than the processing allowance (30m) yet, so none can be judged",
    ]);
    expect(result.report.pending).toBe(true);
  });
});

describe("What PASS means (issue 12)", () => {
  /** Seeds source objects of `perObject` records delivered about `ageMs` ago, a second apart in order; returns their keys. */
  async function sourceObjects(bucket: string, from: number, count: number, perObject: number, ageMs: number) {
    const at = new Date(Date.now() - ageMs);
    const seeded = await seedLikeFirehose(s3.client, bucket, {
      prefix: "source/",
      stream: "Source",
      records: records.slice(from, from + count),
      perObject,
      at,
    });
    seeded.forEach(({ key }, i) => s3.setLastModified(bucket, key, new Date(at.getTime() + i * 1000)));
    return seeded.map((o) => o.key);
  }
  async function destinationObject(bucket: string, rows: readonly Record<string, unknown>[], ageMs: number) {
    const at = new Date(Date.now() - ageMs);
    const [{ key }] = await seedLikeFirehose(s3.client, bucket, {
      prefix: "destination/",
      stream: "Destination",
      records: rows,
      perObject: rows.length,
      gzip: true,
      at,
    });
    s3.setLastModified(bucket, key, at);
    return key;
  }
  const TWO_MINUTES = processingAllowanceMs({ bufferIntervalSeconds: 60, analyticsTimeoutSeconds: 60 });

  it("derives the default allowance from the settings: the analytics' timeout plus the buffer interval", () => {
    expect(TWO_MINUTES).toBe(2 * MINUTE);
    expect(processingAllowanceMs({ bufferIntervalSeconds: 900, analyticsTimeoutSeconds: 900 })).toBe(30 * MINUTE);
  });

  it("fails a bucket where 505 of 510 source records never reached destination/, with the counts and the first records", async () => {
    const bucket = await newBucket();
    const keys = await sourceObjects(bucket, 0, 510, 102, 10 * MINUTE);
    await destinationObject(bucket, records.slice(0, 5).map(asDestinationRecord), 9 * MINUTE);
    // Younger than the allowance: not judged yet, though none of their rows is there either.
    await sourceObjects(bucket, 510, 20, 20, 30_000);

    const report = await new Verifier(options(bucket, { processingAllowanceMs: TWO_MINUTES })).check();
    expect(report.passed).toBe(false);
    expect(report.failures).toEqual(["505 of 510 source records older than the processing allowance (2m) have no destination row, more than the 0 allowed"]);
    expect(report.source).toMatchObject({ records: 530, valid: 530, expectedAtDestination: 510, foundAtDestination: 5, missingAtDestination: 505 });
    expect(report.destination).toMatchObject({ valid: 5, matchingSource: 5, matchingNoSource: 0 });
    // The newest old object first, in its order; the first object's first five records did arrive.
    const newestOld = keys[keys.length - 1];
    expect(report.source.missing).toHaveLength(5);
    expect(report.source.missing[0]).toEqual({
      key: newestOld,
      record: 1,
      line: 1,
      offset: 0,
      problem: "no destination row holds this record's values",
      values: expect.stringMatching(new RegExp(`^\\["${String(records[408].Region)}","${String(records[408].Business)}","${String(records[408].Name)}",`)),
    });
    expect(renderReport(report)).toMatch(/\nexpected at destination \(older than 2m\) +510 +-\nfound at destination +5 +-\nmissing at destination +505 +-\n/);
    expect(renderReport(report)).toContain(
      `\nSource records older than 2m with no row under destination/ (first 5 of 505):\n  ${newestOld}\n    record 1 (line 1, byte 0): no destination row holds this record's values\n    values: ["`,
    );

    // A tolerance only when asked for.
    expect((await new Verifier(options(bucket, { processingAllowanceMs: TWO_MINUTES, maxMissing: 504 })).check()).passed).toBe(false);
    const tolerant = await new Verifier(options(bucket, { processingAllowanceMs: TWO_MINUTES, maxMissing: 505 })).check();
    expect(tolerant.passed).toBe(true);
    expect(renderReport(tolerant)).toContain(
      "\nPASS: 5 of 510 source records older than 2m reached destination/ (505 missing, 505 allowed); 0 invalid records (0 allowed)\n",
    );
  });

  it("does not pass before any source record is old enough to judge, and says so", async () => {
    const bucket = await newBucket();
    await sourceObjects(bucket, 0, 10, 10, 30_000);
    await destinationObject(bucket, records.slice(0, 3).map(asDestinationRecord), 10_000);
    const report = await new Verifier(options(bucket, { processingAllowanceMs: TWO_MINUTES })).check();
    expect(report.failures).toEqual(["no valid source record is older than the processing allowance (2m) yet, so none can be judged"]);
    expect(report.pending).toBe(true);
    expect(report.source).toMatchObject({ expectedAtDestination: 0, missingAtDestination: 0 });
  });

  it("reports a destination row no source record accounts for, and a row sent twice, without failing", async () => {
    const bucket = await newBucket();
    await sourceObjects(bucket, 0, 10, 10, 10 * MINUTE);
    const stranger = asDestinationRecord(lossEvents(1, 77)[0]);
    const key = await destinationObject(bucket, [...records.slice(0, 10).map(asDestinationRecord), stranger, asDestinationRecord(records[3])], 9 * MINUTE);
    const report = await new Verifier(options(bucket, { processingAllowanceMs: TWO_MINUTES })).check();
    expect(report.passed).toBe(true);
    expect(report.destination).toMatchObject({ valid: 12, matchingSource: 10, matchingNoSource: 2 });
    expect(report.destination.unmatched).toEqual([
      {
        key,
        record: 4,
        line: 4,
        offset: expect.any(Number),
        problem: "2 rows hold these values and 1 source record: a row sent again? (delivery is at least once)",
        values: expect.any(String),
      },
      {
        key,
        record: 11,
        line: 11,
        offset: expect.any(Number),
        problem: "no source record holds these values",
        values: expect.stringContaining(`"${String(stranger.NAME)}"`),
      },
    ]);
    expect(renderReport(report)).toMatch(/\nmatch no source record +- +2\n/);
  });

  it("explains rows near the window's start by source records delivered just before it, without judging those", async () => {
    const bucket = await newBucket();
    // Delivered 61 minutes ago: outside --since 1h, inside it plus the allowance; its rows landed 59 minutes ago.
    await sourceObjects(bucket, 0, 10, 10, 61 * MINUTE);
    await sourceObjects(bucket, 10, 10, 10, 30 * MINUTE);
    await destinationObject(bucket, records.slice(0, 20).map(asDestinationRecord), 29 * MINUTE);
    const report = await new Verifier(options(bucket, { processingAllowanceMs: TWO_MINUTES })).check();
    expect(report.failures).toEqual([]);
    expect(report.source).toMatchObject({ objects: 1, records: 10, expectedAtDestination: 10, foundAtDestination: 10 });
    expect(report.destination).toMatchObject({ matchingSource: 20, matchingNoSource: 0 });
  });

  it("says when a missing record's object holds an invalid record: the analytics sends no row of such an object", async () => {
    const bucket = await newBucket();
    const at = new Date(Date.now() - 10 * MINUTE);
    const key = firehoseKey("source/", "Source", at);
    await putObject(s3.client, bucket, key, Buffer.concat([recordBytes(records.slice(0, 2), "lines"), Buffer.from('{"Region": "Mars"}\n')]));
    s3.setLastModified(bucket, key, at);
    await destinationObject(bucket, [asDestinationRecord(records[50])], 9 * MINUTE);
    const report = await new Verifier(options(bucket, { processingAllowanceMs: TWO_MINUTES, maxInvalid: 1 })).check();
    expect(report.failures).toEqual(["2 of 2 source records older than the processing allowance (2m) have no destination row, more than the 0 allowed"]);
    expect(report.source.missing.map((m) => m.problem)).toEqual([
      "no destination row holds this record's values; its object holds 1 invalid record, and the analytics sends no row of such an object",
      "no destination row holds this record's values; its object holds 1 invalid record, and the analytics sends no row of such an object",
    ]);
  });

  it("judges source objects as the analytics reads them: the lab's {...}{...} records are invalid, each with its position", async () => {
    const bucket = await newBucket();
    const [lab] = await seedLikeFirehose(s3.client, bucket, {
      prefix: "source/",
      stream: "Source",
      records: records.slice(0, 3),
      perObject: 3,
      layout: "concatenated",
    });
    await seedLikeFirehose(s3.client, bucket, {
      prefix: "destination/",
      stream: "Destination",
      records: records.slice(0, 3).map(asDestinationRecord),
      perObject: 3,
    });
    const report = await new Verifier(options(bucket)).check();
    expect(report.passed).toBe(false);
    expect(report.failures).toEqual(["source/ holds no valid record in 1 object modified in the last 1h", "3 invalid records, more than the 0 allowed"]);
    expect(report.source).toMatchObject({ records: 3, valid: 0, invalid: 3 });
    const offsets = [0, recordBytes(records.slice(0, 1), "concatenated").length, recordBytes(records.slice(0, 2), "concatenated").length];
    expect(report.source.problems).toEqual(
      offsets.map((offset, i) => ({
        key: lab.key,
        record: i + 1,
        line: 1,
        offset,
        problem:
          "one of several JSON objects on this line with no newline between them (the lab's {...}{...} format): the analytics reads exactly one JSON object per line",
        excerpt: expect.stringMatching(/^\{"Region": "/),
      })),
    );
  });

  it("reports a record holding bytes that are not UTF-8 by key and line, never decoding them to U+FFFD", async () => {
    const bucket = await goodBucket();
    // Name first, so that the excerpt shows it whatever the seeded record's other values.
    const named = (name: string) => Object.assign({ Name: name }, records[101], { Name: name });
    const latin1 = Buffer.from(`${JSON.stringify(records[100])}\n${JSON.stringify(named("Z\u00fcrich"))}\n`, "latin1"); // ü as the single byte 0xfc
    const key = firehoseKey("source/", "Source", new Date());
    await putObject(s3.client, bucket, key, latin1);
    await seedLikeFirehose(s3.client, bucket, { prefix: "destination/", stream: "Destination", records: [asDestinationRecord(records[100])], perObject: 1 });
    const report = await new Verifier(options(bucket)).check();
    expect(report.failures).toEqual(["1 invalid record, more than the 0 allowed"]);
    const line2 = JSON.stringify(records[100]).length + 1;
    expect(report.source.problems).toEqual([
      {
        key,
        record: 2,
        line: 2,
        offset: line2,
        problem: `not valid UTF-8: byte 0xfc at byte ${(line2 + JSON.stringify(named("Z")).indexOf('"Z"') + 2).toLocaleString("en-US")} of the object begins no UTF-8 character`,
        excerpt: expect.stringContaining('"Name":"Z\\xfcrich"'),
      },
    ]);
  });

  it.each([
    ["the same prefix", "data/", "data/"],
    ["a destination inside the source", "data/", "data/out/"],
    ["a source inside the destination", "out/raw/", "out/"],
    ["a prefix of a name, not of a folder", "data", "data-out/"],
  ])("refuses %s: the objects would be judged against the wrong schema", (_name, sourcePrefix, destinationPrefix) => {
    expect(() => new Verifier(options("any", { sourcePrefix, destinationPrefix }))).toThrow(
      new RangeError(
        `sourcePrefix = ${JSON.stringify(sourcePrefix)} and destinationPrefix = ${JSON.stringify(destinationPrefix)} ${sourcePrefix === destinationPrefix ? "are the same prefix" : "overlap (one is a prefix of the other)"}: ` +
          "the source and destination objects would be mixed and judged against the wrong schema; give two prefixes neither of which starts with the other",
      ),
    );
  });

  it("calls two prefixes overlapping exactly when a listing of one could return a key under the other (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), (a, b, rest) => {
        expect(prefixesOverlap(a, b)).toBe(prefixesOverlap(b, a));
        expect(prefixesOverlap(a, a + rest)).toBe(true);
        // Some key starts with both exactly when one starts with the other.
        const longer = a.length >= b.length ? a : b;
        expect(prefixesOverlap(a, b)).toBe(longer.startsWith(a) && longer.startsWith(b));
      }),
    );
  });
});
