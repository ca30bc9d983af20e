/**
 * How fast the verifier validates records: seeds a fake S3 (s3rver on 127.0.0.1, in its own
 * process) the way Firehose fills the lab bucket, then times full verification passes (list,
 * download, decompress, split, validate, match), each with nothing cached; and, for comparison,
 * the same objects checked from memory (no server sharing the cores).
 *
 *   npm run bench:verify -- [--records N] [--per-object N] [--layout lines|concatenated] [--gzip]
 *                           [--runs K] [--concurrency N] [--format text|json]
 *
 * --records is per prefix: the destination holds the analytics output of the same records. With
 * --layout concatenated (the lab's `{...}{...}`), every source record is invalid (the analytics
 * reads one JSON object per line) and the destination's records are valid: that is checked.
 *
 * Exit status: 0 measured; 1 the seeded bucket did not verify as expected, or the run failed;
 * 2 bad usage.
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { notAllowed, satisfying } from "../input/allowed";
import { REPORT_FORMAT } from "../text/report-format";
import type { VerifyReport } from "../verify/verifier";
import type { RecordLayout } from "../fixtures/local-s3";

interface Run {
  readonly seconds: number;
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  /** CPU time of this process (the server is another): on a shared machine, steadier than wall time. */
  readonly cpuSeconds: number;
  readonly recordsPerCpuSecond: number;
}

/** Wall and CPU seconds of `work`. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const value = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

const USAGE =
  "usage: npm run bench:verify -- [--records N] [--per-object N] [--layout lines|concatenated] [--gzip] [--runs K] [--concurrency N] [--format text|json]";

/** Bad usage: one line and the usage on stderr, exit status 2. */
class UsageError extends Error {}

/** A count: a whole number, 1 or more. */
const POSITIVE = satisfying((text: string) => /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) && Number(text) >= 1, "a whole number, 1 or more");
/** The two ways records are laid out in an object. */
const LAYOUT = satisfying((text: string) => text === "lines" || text === "concatenated", "lines or concatenated");

function positive(name: string, text: string): number {
  if (!POSITIVE.test(text)) throw new UsageError(notAllowed(`--${name}`, text, POSITIVE));
  return Number(text);
}

function* slices(body: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

/** The body in chunks of `size` bytes, handed out one at a time as from a download (checkObject reads an async iterable). */
function chunksOf(body: Buffer, size = 64 * 1024): AsyncIterable<Buffer> {
  const chunks = slices(body, size);
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(chunks.next()) }) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const number = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      strict: true,
      allowPositionals: false,
      options: {
        records: { type: "string", default: "100000" },
        "per-object": { type: "string", default: "4000" }, // about Firehose's 1 MiB buffer
        layout: { type: "string", default: "lines" },
        gzip: { type: "boolean", default: false },
        runs: { type: "string", default: "3" },
        concurrency: { type: "string", default: "8" },
        format: { type: "string", default: "text" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const count = positive("records", values.records);
  const perObject = positive("per-object", values["per-object"]);
  const runs = positive("runs", values.runs);
  const concurrency = positive("concurrency", values.concurrency);
  if (!LAYOUT.test(values.layout)) throw new UsageError(notAllowed("--layout", values.layout, LAYOUT));
  const layout = values.layout as RecordLayout;
  if (!REPORT_FORMAT.test(values.format)) throw new UsageError(notAllowed("--format", values.format, REPORT_FORMAT));
  const progress = (line: string) => process.stderr.write(`bench:verify: ${line}\n`);
  // Loaded only once the arguments are good: a usage error does not need the S3 client and the validators (about 0.35 s of CPU).
  const [{ checkObject }, { Verifier }, { createBucket, seedLikeFirehose, startLocalS3 }, { asDestinationRecord, lossEvents }] = await Promise.all([
    import("../verify/object-check"),
    import("../verify/verifier"),
    import("../fixtures/local-s3"),
    import("../fixtures/loss-events"),
  ]);

  progress(`generating ${number(count)} records with generator/generator.py`);
  const records = lossEvents(count, 1);
  const s3 = await startLocalS3();
  try {
    const bucket = "verify-benchmark";
    await createBucket(s3.client, bucket);
    progress(`seeding ${s3.endpoint}: ${number(count)} records per prefix, ${number(perObject)} per object, ${layout}${values.gzip ? ", gzip" : ""}`);
    const seed = { perObject, layout, gzip: values.gzip };
    const seeded = [
      ...(await seedLikeFirehose(s3.client, bucket, { ...seed, prefix: "source/", stream: "Source", records })).map((o) => ({ ...o, role: "source" as const })),
      ...(await seedLikeFirehose(s3.client, bucket, { ...seed, prefix: "destination/", stream: "Destination", records: records.map(asDestinationRecord) })).map(
        (o) => ({
          ...o,
          role: "destination" as const,
        }),
      ),
    ];

    // The verifier's own work (decompress, split, validate, fingerprint) on the same objects held
    // in memory, in 64 KiB chunks as a download delivers them: no S3 server competing for the cores.
    const inMemory: number[] = [];
    for (let i = 1; i <= runs; i++) {
      // Every record checked counts, valid or not, as in the runs through S3.
      const {
        value: checked,
        seconds,
        cpuSeconds,
      } = await timed(async () => {
        let records = 0;
        for (const object of seeded) records += (await checkObject(chunksOf(object.body), object.role, object.key)).records;
        return records;
      });
      inMemory.push(checked / seconds);
      progress(`in memory ${i}/${runs}: ${number(checked)} records in ${number(seconds, 2)} s (${number(cpuSeconds, 2)} s of CPU)`);
    }

    const results: Run[] = [];
    let report: VerifyReport | undefined;
    for (let i = 1; i <= runs; i++) {
      // Every seeded record counts as processed: the objects are seconds old.
      const verifier = new Verifier({
        client: s3.client,
        bucket,
        sourcePrefix: "source/",
        destinationPrefix: "destination/",
        processingAllowanceMs: 0,
        concurrency,
      });
      const { value, seconds, cpuSeconds } = await timed(() => verifier.check());
      report = value;
      const validated = report.source.records + report.destination.records;
      const bytes = report.source.bytes + report.destination.bytes;
      results.push({
        seconds,
        records: validated,
        recordsPerSecond: validated / seconds,
        megabytesPerSecond: bytes / 1e6 / seconds,
        cpuSeconds,
        recordsPerCpuSecond: validated / cpuSeconds,
      });
      progress(`run ${i}/${runs}: ${number(validated)} records in ${number(seconds, 2)} s`);
    }
    const r = report!;
    const expected =
      layout === "lines"
        ? r.passed && r.source.foundAtDestination === count
        : r.source.invalid === count && r.destination.valid === count && r.source.missingAtDestination === 0 && r.destination.matchingNoSource === count;
    if (!expected) throw new Error(`the seeded bucket did not verify as expected for --layout ${layout}: ${r.failures.join("; ")}`);

    const summary = {
      recordsPerPrefix: count,
      objects: r.source.objects + r.destination.objects,
      bytes: r.source.bytes + r.destination.bytes,
      layout,
      gzip: values.gzip,
      concurrency,
      runs: results,
      medianRecordsPerSecond: median(results.map((x) => x.recordsPerSecond)),
      medianRecordsPerCpuSecond: median(results.map((x) => x.recordsPerCpuSecond)),
      inMemoryRecordsPerSecond: inMemory,
      medianInMemoryRecordsPerSecond: median(inMemory),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      node: process.version,
      cpus: cpus().length,
    };
    if (values.format === "json") {
      console.log(JSON.stringify(summary, null, 2));
      return;
    }
    console.log(
      `Verifier throughput against a fake S3 (s3rver on 127.0.0.1), ${summary.cpus} cores, Node.js ${summary.node}\n` +
        `bucket: ${number(count)} source + ${number(count)} destination records, ${number(summary.objects)} objects, ` +
        `${number(summary.bytes / 1e6, 1)} MB as stored (${layout}${values.gzip ? ", gzip" : ""}), ${concurrency} downloads at a time\n`,
    );
    const rows = [["run", "seconds", "records validated", "records/s", "MB/s as stored", "CPU seconds", "records/CPU s"]];
    results.forEach((x, i) =>
      rows.push([
        String(i + 1),
        number(x.seconds, 2),
        number(x.records),
        number(x.recordsPerSecond),
        number(x.megabytesPerSecond, 1),
        number(x.cpuSeconds, 2),
        number(x.recordsPerCpuSecond),
      ]),
    );
    const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
    for (const row of rows) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("   "));
    console.log(
      `\nmedian: ${number(summary.medianRecordsPerSecond)} records/s through S3 (${number(summary.medianRecordsPerCpuSecond)} per CPU second of this process); ` +
        `${number(summary.medianInMemoryRecordsPerSecond)} records/s from memory (no server: the verifier's own work); ` +
        `peak memory of this process ${number(summary.peakRssMiB)} MiB`,
    );
  } finally {
    await s3.stop();
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`bench:verify: ${message.split("\n")[0]}${error instanceof UsageError ? ` (${USAGE})` : ""}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
