/**
 * Packing through the local AWS (moto's server over TLS, no Terraform): the generator, installed
 * from the user data the stack renders, and the analytics handler, with the real SDK clients, send
 * the same seeded records packed (LAB_PACK_BYTES=5000) and unpacked (0) into Firehose streams that
 * deliver to S3. moto writes one object per PutRecordBatch call (local/emulator-differences.ts:
 * firehose-no-buffering), so the two runs cut their objects at different places; what must agree
 * is the bytes: under source/ and destination/, the objects laid end to end are the generator's
 * records and the SQL's rows exactly, in order, every object a run of whole records.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { CreateDeliveryStreamCommand, FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { S3Event } from "aws-lambda";
import { compileAnalyticsSql } from "../dialect/compiler";
import { SqlRunner } from "../dialect/duckdb-runner";
import { LAB_ANALYTICS } from "../sql/analytics";
import { createHandler } from "../micro-batch/handler";
import { LAB_RECORD_CHECKS } from "../sql/record-checks";
import { PACK_BYTES_DEFAULT } from "../config/settings";
import { installFromUserData, startGenerator } from "../local/generator-process";
import { LOCAL_ACCOUNT, LocalAws, localAwsEnv, localClientConfig } from "../local/local-aws";
import { compressUserData, renderCloudConfig } from "../generator/cloud-config";
import { python } from "../local/python";

const REGION = "us-east-1";
const BUCKET = "packing-lab";
const RECORDS = 3000;
const SEED = "13";
const MODES = { unpacked: 0, packed: PACK_BYTES_DEFAULT } as const;
type Mode = keyof typeof MODES;

const work = mkdtempSync(join(tmpdir(), "lab-packing-"));
let aws: LocalAws;
let s3: S3Client;
let firehose: FirehoseClient;
let runner: SqlRunner;
/** What the generator makes with the seed (its --dry-run output), and the SQL's rows of it. */
let records: Buffer;
let rows: Buffer;

beforeAll(async () => {
  aws = await LocalAws.start({ tlsDir: join(work, "tls") });
  s3 = new S3Client(localClientConfig(aws, REGION));
  firehose = new FirehoseClient(localClientConfig(aws, REGION));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  for (const mode of Object.keys(MODES) as Mode[]) {
    for (const hop of ["source", "destination"]) {
      await firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: `${hop}-${mode}`,
          DeliveryStreamType: "DirectPut",
          ExtendedS3DestinationConfiguration: {
            RoleARN: `arn:aws:iam::${LOCAL_ACCOUNT}:role/firehose`,
            BucketARN: `arn:aws:s3:::${BUCKET}`,
            Prefix: `${mode}/${hop}/`,
          },
        }),
      );
    }
  }
  const dryRun = spawnSync(python(), [
    join(__dirname, "..", "generator", "generator.py"),
    "--dry-run",
    "--rate",
    "0",
    "--count",
    String(RECORDS),
    "--seed",
    SEED,
  ]);
  records = dryRun.stdout;
  runner = await SqlRunner.open(compileAnalyticsSql(readFileSync(LAB_ANALYTICS.sqlFile, "utf8"), LAB_ANALYTICS.streams, "stream-application.sql"), {
    checks: LAB_RECORD_CHECKS,
  });
  rows = Buffer.from((await runner.run(records)).rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
}, 120_000);

afterAll(async () => {
  // Unset when beforeAll failed before making them: then there is nothing to close.
  (runner as SqlRunner | undefined)?.close();
  await (aws as LocalAws | undefined)?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The objects under a prefix, each as its bytes. */
async function objectsUnder(prefix: string): Promise<Buffer[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return Promise.all(
    (listed.Contents ?? []).map(async ({ Key }) =>
      Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body!.transformToByteArray()),
    ),
  );
}

/**
 * Lays the objects end to end where they belong in `expected`: each must be a run of whole lines
 * of it, and together they must cover it exactly once (nothing lost, added, changed or reordered).
 */
function laidEndToEnd(objects: Buffer[], expected: Buffer): Buffer {
  const placed = objects.map((object) => {
    const at = expected.indexOf(object);
    expect({ found: at >= 0, endsWithNewline: object.at(-1) === 0x0a, startsAtLine: at <= 0 || expected[at - 1] === 0x0a }).toEqual({
      found: true,
      endsWithNewline: true,
      startsAtLine: true,
    });
    return { at, object };
  });
  return Buffer.concat(placed.sort((a, b) => a.at - b.at).map((p) => p.object));
}

describe("packed records through the local AWS", () => {
  const sent: Partial<Record<Mode, { calls: number; firehoseRecords: number }>> = {};

  it.each(Object.keys(MODES) as Mode[])("the generator as installed by the user data sends %s records to Firehose, all of them", async (mode) => {
    const userData = compressUserData(renderCloudConfig({ streamName: `source-${mode}`, region: REGION, rate: 0, packBytes: MODES[mode] })).toString("base64");
    const installed = installFromUserData(userData, join(work, `generator-${mode}`));
    expect(installed.command).toEqual(expect.arrayContaining(["--pack-bytes", String(MODES[mode])]));
    const run = startGenerator(installed, ["--count", String(RECORDS), "--seed", SEED], localAwsEnv(aws, REGION));
    expect({ status: await run.exited, log: run.log() }).toEqual({ status: 0, log: expect.stringContaining(`sent ${RECORDS} records, gave up on 0`) });
  });

  it("puts the same bytes under source/ packed or not: the generator's records, in order, each whole", async () => {
    const unpacked = await objectsUnder("unpacked/source/");
    const packed = await objectsUnder("packed/source/");
    expect(laidEndToEnd(unpacked, records).equals(records)).toBe(true);
    expect(laidEndToEnd(packed, records).equals(records)).toBe(true);
    // Unpacked, a call carries at most 500 records; packed, about 15 records to a Firehose record, 500 of those.
    expect(unpacked.length).toBeGreaterThanOrEqual(RECORDS / 500);
    expect(packed.length).toBeLessThan(unpacked.length);
  });

  it.each(Object.keys(MODES) as Mode[])("the analytics handler sends the rows of every %s source object to Firehose", async (mode) => {
    const handler = createHandler({
      s3,
      runner,
      destinationStream: `destination-${mode}`,
      packBytes: MODES[mode],
      putRecordBatch: (input) => firehose.send(new PutRecordBatchCommand(input)),
      log: () => undefined,
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${mode}/source/` }));
    const event = { Records: (listed.Contents ?? []).map(({ Key }) => ({ s3: { bucket: { name: BUCKET }, object: { key: Key } } })) } as unknown as S3Event;
    const { objects } = await handler(event);
    expect(objects.reduce((n, o) => n + o.rows, 0)).toBe(RECORDS);
    sent[mode] = { calls: objects.reduce((n, o) => n + o.calls, 0), firehoseRecords: objects.reduce((n, o) => n + o.firehoseRecords, 0) };
  });

  it("puts the same bytes under destination/ packed or not: the SQL's rows, in order, each whole, in far fewer Firehose records", async () => {
    expect(laidEndToEnd(await objectsUnder("unpacked/destination/"), rows).equals(rows)).toBe(true);
    expect(laidEndToEnd(await objectsUnder("packed/destination/"), rows).equals(rows)).toBe(true);
    expect(sent.unpacked!.firehoseRecords).toBe(RECORDS);
    expect(sent.packed!.firehoseRecords).toBeLessThan(RECORDS / 10);
    expect(rows.length / sent.packed!.firehoseRecords).toBeGreaterThan(PACK_BYTES_DEFAULT * 0.9); // packs nearly full
  });
});
