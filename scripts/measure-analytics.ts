/**
 * Measures the micro-batch engine on this machine and prints a table:
 *  - records per second of the analytics SQL over seeded generator records (in process, DuckDB),
 *    as the function runs it (UTF-8 bytes, every record and row checked against the schemas) and
 *    without the schema checks, to show what they cost;
 *  - the deployment package's size, zipped and unzipped;
 *  - the handler's cold start: the packaged index.js loaded in a fresh Node.js process and invoked
 *    once (DuckDB init included) on one object served by s3rver on 127.0.0.1, sending to a fake
 *    Firehose endpoint on 127.0.0.1 (the only stand-in; no AWS account is needed).
 *
 *   npm run measure:analytics -- [--records 100000] [--object-records 3500] [--runs 5]
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { unzipSync } from "fflate";
import { compileAnalyticsSql } from "../dialect/compiler";
import { SqlRunner, RecordChecks } from "../dialect/duckdb-runner";
import { LAB_RECORD_CHECKS } from "../sql/record-checks";
import { LAB_ANALYTICS } from "../sql/analytics";
import { deploymentPackage } from "../micro-batch/deployment-package";
import { PACK_BYTES_DEFAULT } from "../config/settings";
import { createBucket, LOCAL_S3_CREDENTIALS, putObject, startLocalS3 } from "../fixtures/local-s3";
import { lossEventLines } from "../fixtures/loss-events";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const progress = (message: string) => process.stderr.write(`measure: ${message}\n`);

async function sqlRate(body: Buffer, records: number, runs: number, checks: RecordChecks | undefined, what: string): Promise<{ rate: number; runs: number[] }> {
  const runner = await SqlRunner.open(compileAnalyticsSql(LAB_ANALYTICS.sqlFor("measure-analytics"), LAB_ANALYTICS.streams), { checks });
  const seconds: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const started = performance.now();
    const result = await runner.run(body);
    seconds.push((performance.now() - started) / 1000);
    if (result.rows.length !== records) throw new Error(`expected ${records} rows, got ${result.rows.length}`);
    progress(`SQL ${what}, run ${i}/${runs}: ${seconds[i - 1].toFixed(2)} s`);
  }
  runner.close();
  return { rate: records / median(seconds), runs: seconds };
}

/** A stand-in for Firehose's PutRecordBatch (JSON 1.1 protocol): accepts every record. */
function fakeFirehose(): Promise<{ url: string; close: () => void; received: () => number }> {
  let received = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Records: { Data: string }[] };
      // Rows, not Firehose records: the handler packs rows as the stack tells it.
      for (const record of body.Records) received += Buffer.from(record.Data, "base64").toString("utf8").split("\n").length - 1;
      response.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify({ FailedPutCount: 0, Encrypted: true, RequestResponses: body.Records.map((_, i) => ({ RecordId: String(i) })) }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close(), received: () => received }),
    ),
  );
}

const INVOKE = `
const started = performance.now();
const { handler } = require(process.env.MEASURE_INDEX);
const loaded = performance.now();
const event = JSON.parse(process.env.MEASURE_EVENT);
handler(event).then(async (first) => {
  const cold = performance.now();
  await handler(event);
  const warm = performance.now();
  // The peak of this process's own memory: VmHWM starts afresh at exec, while getrusage's maxRSS
  // keeps the measuring parent's resident memory from the fork that started this process.
  const hwm = /VmHWM:\\s+(\\d+) kB/.exec(require("node:fs").readFileSync("/proc/self/status", "utf8"));
  process.stdout.write("\\n" + JSON.stringify({ loadMs: loaded - started, coldMs: cold - started, warmMs: warm - cold, rows: first.objects[0].rows, maxRssMiB: Number(hwm[1]) / 1024 }));
  process.exit(0); // the SDK clients keep their connections open, as they should in Lambda
});
`;

async function coldStart(objectRecords: number, runs: number) {
  const pkg = deploymentPackage({ sql: LAB_ANALYTICS.sqlFor("measure-analytics"), sqlFile: "stream-application.sql", streams: LAB_ANALYTICS.streams });
  const work = mkdtempSync(join(tmpdir(), "lab-measure-"));
  const taskDir = join(work, "task");
  progress(`unpacking the deployment package into ${taskDir}`);
  for (const [name, data] of Object.entries(unzipSync(readFileSync(pkg.path)))) {
    mkdirSync(dirname(join(taskDir, name)), { recursive: true });
    writeFileSync(join(taskDir, name), data);
  }
  const bucket = "lab-bucket";
  const key = "source/2024/05/01/10/Source-1-2024-05-01-10-00-00-measure";
  const s3 = await startLocalS3();
  const s3Url = s3.endpoint;
  const body = `${lossEventLines(objectRecords, 2).join("\n")}\n`;
  await createBucket(s3.client, bucket);
  await putObject(s3.client, bucket, key, Buffer.from(body));
  progress(`one object of ${objectRecords} records (${(Buffer.byteLength(body) / 1024 / 1024).toFixed(2)} MiB) on s3rver at ${s3Url}`);
  const firehose = await fakeFirehose();
  const event = { Records: [{ eventSource: "aws:s3", eventName: "ObjectCreated:Put", s3: { bucket: { name: bucket }, object: { key } } }] };
  const results: { loadMs: number; coldMs: number; warmMs: number; rows: number; maxRssMiB: number }[] = [];
  try {
    for (let i = 1; i <= runs; i++) {
      // Asynchronously: the fake Firehose answers from this process's event loop.
      let stdout: string;
      try {
        ({ stdout } = await promisify(execFile)(process.execPath, ["-e", INVOKE], {
          encoding: "utf8",
          timeout: 120_000,
          env: {
            PATH: process.env.PATH,
            NODE_NO_WARNINGS: "1", // the AWS SDK's notice about Node.js 20 on this machine; Lambda runs Node.js 22
            MEASURE_INDEX: join(taskDir, "index.js"),
            MEASURE_EVENT: JSON.stringify(event),
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey,
            AWS_ENDPOINT_URL_S3: s3Url,
            AWS_ENDPOINT_URL_FIREHOSE: firehose.url,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "512",
            DESTINATION_STREAM_NAME: "Destination",
            PACK_BYTES: String(PACK_BYTES_DEFAULT),
          },
        }));
      } catch (e) {
        throw new Error(`the handler failed: ${(e as Error).message}`);
      }
      results.push(JSON.parse(stdout.trim().split("\n").pop()!) as (typeof results)[number]); // after the handler's own log lines
      progress(`cold start ${i}/${runs}: ${results[i - 1].coldMs.toFixed(0)} ms`);
    }
  } finally {
    firehose.close();
    await s3.stop();
    rmSync(work, { recursive: true, force: true });
  }
  if (results.some((r) => r.rows !== objectRecords) || firehose.received() !== 2 * runs * objectRecords) throw new Error("the handler did not send every row");
  return { pkg, results };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { records: { type: "string", default: "100000" }, "object-records": { type: "string", default: "3500" }, runs: { type: "string", default: "5" } },
  });
  const records = Number(values.records);
  const objectRecords = Number(values["object-records"]);
  const runs = Number(values.runs);
  progress(`generating ${records} records (generator/generator.py --dry-run --seed 1)`);
  const body = Buffer.from(`${lossEventLines(records, 1).join("\n")}\n`);
  const checked = await sqlRate(body, records, 3, LAB_RECORD_CHECKS, "with the schema checks");
  const unchecked = await sqlRate(body, records, 3, undefined, "without them");
  const { pkg, results } = await coldStart(objectRecords, runs);
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes.toLocaleString("en-US")} bytes)`;
  const ms = (pick: (r: (typeof results)[number]) => number) =>
    `${median(results.map(pick)).toFixed(0)} ms (${results.map((r) => pick(r).toFixed(0)).join(", ")})`;
  const rows: [string, string][] = [
    ...(
      [
        [checked, "as the function runs it"],
        [unchecked, "without the schema checks"],
      ] as const
    ).map(([sql, how]): [string, string] => [
      `SQL over ${records.toLocaleString("en-US")} records, ${how} (median of 3)`,
      `${Math.round(sql.rate).toLocaleString("en-US")} records/s (${sql.runs.map((s) => s.toFixed(2)).join(", ")} s)`,
    ]),
    ["deployment package, zipped", mib(pkg.zippedBytes)],
    ["deployment package, unzipped", mib(pkg.unzippedBytes)],
    [`cold start: load index.js (median of ${runs})`, ms((r) => r.loadMs)],
    [`cold start: load + first invocation, ${objectRecords} records`, ms((r) => r.coldMs)],
    ["warm invocation, same object", ms((r) => r.warmMs)],
    ["peak memory of the handler process", `${median(results.map((r) => r.maxRssMiB)).toFixed(0)} MiB`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`${"what".padEnd(width)} | measured`);
  console.log(`${"-".repeat(width)} | --------`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)} | ${v}`);
  console.log(`(node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)})`);
}

main().catch((e: unknown) => {
  console.error(`measure: ${(e instanceof Error ? e.stack : undefined) ?? String(e)}`);
  process.exitCode = 1;
});
