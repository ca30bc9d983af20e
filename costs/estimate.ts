/**
 * The lab's monthly cost, modelled from its settings: how many Firehose records, objects,
 * invocations and log bytes the settings make, times the dated list prices (costs/prices.*.json).
 * A pure function of its inputs; every figure it assumes rather than derives is named below and
 * listed with the estimate. An estimate, never a bill.
 */
import { generatorRateMax, LabSettings, PACK_BYTES_DEFAULT } from "../config/settings";
import { FIREHOSE_BATCH_MAX_BYTES, FIREHOSE_BATCH_MAX_RECORDS } from "../aws/limits";
import { GENERATOR_ROOT_VOLUME_GIB, NONCURRENT_VERSION_EXPIRATION_DAYS } from "../constructs/defaults";
import { readFlushSeconds } from "../generator/flush-interval";
import { PriceKey, PriceTable, priceTableFor } from "./prices";
import { RecordSizes, TYPICAL_RECORD_SIZES } from "./record-sizes";

/** The settings the estimate reads. */
export type CostSettings = Pick<
  LabSettings,
  | "region"
  | "analyticsEngine"
  | "generatorRate"
  | "packBytes"
  | "bufferSizeMiB"
  | "bufferIntervalSeconds"
  | "compression"
  | "analyticsMemoryMiB"
  | "instanceType"
  | "logRetentionDays"
  | "objectExpirationDays"
>;

/** AWS's month for hourly prices; every monthly figure here uses it. */
export const MONTH_HOURS = 730;
/** The most records a second the settings allow unpacked (1,000): the fastest rate the estimate compares. */
export const UNPACKED_RATE_MAX = generatorRateMax(0);
const MONTH_SECONDS = MONTH_HOURS * 3600;
const DAY_SECONDS = 86_400;
const GB = 1024 ** 3;
const MIB = 1024 ** 2;

/** The generator sends what it has at least this often, so a slow rate still arrives promptly. */
const GENERATOR_FLUSH_SECONDS = readFlushSeconds();
/**
 * One warm invocation: assumed 100 ms for reading the object and one PutRecordBatch round trip,
 * plus the rest of the 473 ms measured on a 3,500-record object (README, "The micro-batch engine")
 * spread over its records. No cold starts: at one object a minute the function stays warm.
 */
const LAMBDA_FIXED_MS = 100;
const LAMBDA_MS_PER_RECORD = (473 - LAMBDA_FIXED_MS) / 3500;
/** About what Lambda's START, END and REPORT lines and the handler's one "processed" line take in its text format. */
const LAMBDA_LOG_BYTES_PER_INVOCATION = 520;
/**
 * A guess, not derived: the generator's few connections (Firehose, Session Manager) and internet
 * scans of its public address, as flow-log records (about 100 bytes each in the default format).
 */
const FLOW_LOG_RECORDS_PER_HOUR = 600;
const FLOW_LOG_RECORD_BYTES = 100;

/** Records of `recordBytes` packed into Firehose records of at most `packBytes` (0: one each), and the billing units they make. */
export function packed(records: number, recordBytes: number, packBytes: number, unitBytes: number): { firehoseRecords: number; billedUnits: number } {
  const unitsOf = (bytes: number) => Math.ceil(bytes / unitBytes);
  if (packBytes === 0) return { firehoseRecords: records, billedUnits: records * unitsOf(recordBytes) };
  const perPack = Math.max(1, Math.floor(packBytes / recordBytes));
  const full = Math.floor(records / perPack);
  const rest = records - full * perPack; // the last pack of a flush or an object, not full
  return {
    firehoseRecords: full + (rest > 0 ? 1 : 0),
    billedUnits: full * unitsOf(perPack * recordBytes) + (rest > 0 ? unitsOf(rest * recordBytes) : 0),
  };
}

/** PutRecordBatch calls for records of `bytes` in all: at most 500 records and 4 MiB a call. */
export const putCalls = (records: number, bytes: number): number =>
  Math.max(1, Math.ceil(Math.max(records / FIREHOSE_BATCH_MAX_RECORDS, bytes / FIREHOSE_BATCH_MAX_BYTES)));

interface StreamTraffic {
  /** Firehose records (packs, when packing) a second. */
  readonly firehoseRecordsPerSecond: number;
  /** Bytes a second after rounding every record up to the billing unit. */
  readonly billedBytesPerSecond: number;
  /** Bytes of records (rows) a second, as S3 stores them uncompressed. */
  readonly dataBytesPerSecond: number;
  /** PutRecordBatch calls a second by the lab's own code; undefined for the SQL application's output. */
  readonly putCallsPerSecond?: number;
  /** S3 objects Firehose delivers a second. */
  readonly objectsPerSecond: number;
}

export interface LabTraffic {
  readonly source: StreamTraffic;
  readonly destination: StreamTraffic;
  /** Micro-batch: one invocation per source object; 0 with the SQL application. */
  readonly invocationsPerSecond: number;
  /** Records in one source object. */
  readonly recordsPerObject: number;
  /** Source records in one generator pack (1 when packing is off). */
  readonly recordsPerPack: number;
}

/** What the settings make flow, per second, at steady state. */
export function labTraffic(settings: CostSettings, sizes: RecordSizes, unitBytes: number): LabTraffic {
  const { generatorRate: rate, packBytes } = settings;
  const bufferBytes = settings.bufferSizeMiB * MIB;
  // Firehose delivers when its buffer fills or its interval passes, but no faster than data arrives.
  const objectPeriod = (dataBytesPerSecond: number, arrivalPeriod: number) =>
    Math.min(Math.max(settings.bufferIntervalSeconds, arrivalPeriod), bufferBytes / dataBytesPerSecond);

  // Below one record a second every flush holds one record.
  const flushesPerSecond = Math.min(rate, 1 / GENERATOR_FLUSH_SECONDS);
  const perFlush = rate / flushesPerSecond;
  const b = sizes.sourceRecordBytes;
  const sent = packed(perFlush, b, packBytes, unitBytes);
  const sourceCalls = putCalls(sent.firehoseRecords, perFlush * b) * flushesPerSecond;
  const sourceObjects = 1 / objectPeriod(rate * b, 1 / sourceCalls);
  const source: StreamTraffic = {
    firehoseRecordsPerSecond: sent.firehoseRecords * flushesPerSecond,
    billedBytesPerSecond: sent.billedUnits * unitBytes * flushesPerSecond,
    dataBytesPerSecond: rate * b,
    putCallsPerSecond: sourceCalls,
    objectsPerSecond: sourceObjects,
  };

  const d = sizes.destinationRowBytes;
  const recordsPerObject = rate / sourceObjects;
  let destination: StreamTraffic;
  if (settings.analyticsEngine === "micro-batch") {
    // One row per record with the lab's SQL, packed per object by the function.
    const rows = packed(recordsPerObject, d, packBytes, unitBytes);
    const calls = putCalls(rows.firehoseRecords, recordsPerObject * d) * sourceObjects;
    destination = {
      firehoseRecordsPerSecond: rows.firehoseRecords * sourceObjects,
      billedBytesPerSecond: rows.billedUnits * unitBytes * sourceObjects,
      dataBytesPerSecond: rate * d,
      putCallsPerSecond: calls,
      objectsPerSecond: 1 / objectPeriod(rate * d, 1 / calls),
    };
  } else {
    // The SQL application writes one row per Firehose record, as it reads them.
    const rows = packed(rate, d, 0, unitBytes);
    destination = {
      firehoseRecordsPerSecond: rows.firehoseRecords,
      billedBytesPerSecond: rows.billedUnits * unitBytes,
      dataBytesPerSecond: rate * d,
      objectsPerSecond: 1 / objectPeriod(rate * d, GENERATOR_FLUSH_SECONDS),
    };
  }
  return {
    source,
    destination,
    invocationsPerSecond: settings.analyticsEngine === "micro-batch" ? sourceObjects : 0,
    recordsPerObject,
    recordsPerPack: packBytes === 0 ? 1 : Math.max(1, Math.floor(packBytes / b)),
  };
}

/** One row of the estimate. */
export interface CostLine {
  /** Stable across versions: a baseline's line is matched by it. */
  readonly id: string;
  readonly component: string;
  /** What is counted, in a few words. */
  readonly usage: string;
  /** Dollars a month; undefined when there is no price for it (`usage` says why). */
  readonly monthlyUsd?: number;
}

export interface CostEstimate {
  readonly kind: "lab-cost-estimate";
  readonly version: 1;
  /** The stack's region, and the region whose prices were used (the same unless it has no table). */
  readonly stackRegion: string;
  readonly priceRegion: string;
  readonly priceDate: string;
  readonly priceFile: string;
  readonly lines: readonly CostLine[];
  /** The sum of the priced lines. */
  readonly totalUsd: number;
  readonly notes: readonly string[];
  readonly assumptions: readonly string[];
}

const FIREHOSE_IDS = ["firehose-source", "firehose-destination"];

/** The Firehose ingestion lines' sum: what packing changes most. */
export const firehoseIngestionUsd = (estimate: CostEstimate): number =>
  estimate.lines.filter((l) => FIREHOSE_IDS.includes(l.id)).reduce((sum, l) => sum + (l.monthlyUsd ?? 0), 0);

const count = (n: number): string =>
  n >= 1e6 ? `${(n / 1e6).toLocaleString("en-US", { maximumFractionDigits: 2 })} M` : Math.round(n).toLocaleString("en-US");
const gb = (bytes: number): string => `${(bytes / GB).toLocaleString("en-US", { maximumSignificantDigits: 3 })} GB`;

/** The estimate at the settings, with the region's price table (or the default region's) and the typical record sizes. */
export function estimateCost(settings: CostSettings, options: { table?: PriceTable; sizes?: RecordSizes } = {}): CostEstimate {
  const found = options.table === undefined ? priceTableFor(settings.region) : { table: options.table, substituted: options.table.region !== settings.region };
  const { table } = found;
  const sizes = options.sizes ?? TYPICAL_RECORD_SIZES;
  const price = (key: PriceKey) => table.prices[key].usd;
  const unitBytes = table.prices["firehose.ingestion"].roundedUpToBytes as number;
  const t = labTraffic(settings, sizes, unitBytes);
  const month = (perSecond: number) => perSecond * MONTH_SECONDS;
  const microBatch = settings.analyticsEngine === "micro-batch";
  const lines: CostLine[] = [];

  for (const [id, name, stream] of [
    ["firehose-source", "Firehose Source ingestion", t.source],
    ["firehose-destination", "Firehose Destination ingestion", t.destination],
  ] as const) {
    const billed = month(stream.billedBytesPerSecond);
    lines.push({
      id,
      component: name,
      usage: `${count(month(stream.firehoseRecordsPerSecond))} records, ${gb(billed)} billed (each rounded up to ${unitBytes / 1024} KB)`,
      monthlyUsd: (billed / GB) * price("firehose.ingestion"),
    });
  }

  // Delivered objects expire after the setting's days, then stay as noncurrent versions for a week.
  const keptDays = settings.objectExpirationDays > 0 ? settings.objectExpirationDays + NONCURRENT_VERSION_EXPIRATION_DAYS : MONTH_SECONDS / DAY_SECONDS;
  const storedBytes = (t.source.dataBytesPerSecond + t.destination.dataBytesPerSecond) * keptDays * DAY_SECONDS;
  lines.push({
    id: "s3-storage",
    component: "S3 storage (Standard)",
    usage:
      settings.objectExpirationDays > 0
        ? `${gb(storedBytes)} kept (${settings.objectExpirationDays} days + ${NONCURRENT_VERSION_EXPIRATION_DAYS} as noncurrent versions)`
        : `${gb(storedBytes)} after the first month, growing by as much every month (objects never expire)`,
    monthlyUsd: (storedBytes / GB) * price("s3.storage"),
  });
  const puts = month(t.source.objectsPerSecond + t.destination.objectsPerSecond);
  const gets = month(t.invocationsPerSecond);
  lines.push({
    id: "s3-requests",
    component: "S3 requests",
    usage: `${count(puts)} PUT (delivered objects)${microBatch ? `, ${count(gets)} GET (the function reads each source object)` : ""}`,
    monthlyUsd: (puts / 1000) * price("s3.put") + (gets / 1000) * price("s3.get"),
  });

  const logBytesPerSecond: { name: string; bytes: number }[] = [];
  if (microBatch) {
    const invocations = month(t.invocationsPerSecond);
    const seconds = (LAMBDA_FIXED_MS + t.recordsPerObject * LAMBDA_MS_PER_RECORD) / 1000;
    const gbSeconds = invocations * seconds * (settings.analyticsMemoryMiB / 1024);
    lines.push({
      id: "lambda-requests",
      component: "Lambda requests",
      usage: `${count(invocations)} invocations (one per source object)`,
      monthlyUsd: (invocations / 1e6) * price("lambda.requests"),
    });
    lines.push({
      id: "lambda-duration",
      component: "Lambda duration",
      usage: `${count(gbSeconds)} GB-seconds (${Math.round(seconds * 1000)} ms × ${settings.analyticsMemoryMiB} MiB each)`,
      monthlyUsd: gbSeconds * price("lambda.duration"),
    });
    const lambdaLogs = t.invocationsPerSecond * LAMBDA_LOG_BYTES_PER_INVOCATION;
    logBytesPerSecond.push({ name: "the function's", bytes: lambdaLogs });
    lines.push({
      id: "logs-ingestion",
      component: "CloudWatch Logs ingestion",
      usage: `${gb(month(lambdaLogs))} of the function's log (the streams' error logs: none without errors)`,
      monthlyUsd: (month(lambdaLogs) / GB) * price("logs.ingestion"),
    });
  } else {
    lines.push({
      id: "kinesis-analytics",
      component: "SQL application (legacy engine)",
      usage: `not priced: AWS discontinued Kinesis Data Analytics for SQL (none can be created since 2025-10-15); it was $${price("kinesisAnalytics.kpu")} per KPU-hour`,
    });
  }
  const flowLogBytes = (FLOW_LOG_RECORDS_PER_HOUR * FLOW_LOG_RECORD_BYTES) / 3600;
  logBytesPerSecond.push({ name: "flow", bytes: flowLogBytes });
  lines.push({
    id: "vpc-flow-logs",
    component: "VPC flow logs (to CloudWatch Logs)",
    usage: `${gb(month(flowLogBytes))} (about ${FLOW_LOG_RECORDS_PER_HOUR} records an hour: a guess)`,
    monthlyUsd: (month(flowLogBytes) / GB) * price("logs.vendedIngestion"),
  });
  const keptLogBytes = logBytesPerSecond.reduce((sum, l) => sum + l.bytes, 0) * settings.logRetentionDays * DAY_SECONDS;
  lines.push({
    id: "logs-storage",
    component: "CloudWatch Logs storage",
    usage: `${gb(keptLogBytes)} kept ${settings.logRetentionDays} days (${logBytesPerSecond.map((l) => l.name).join(" and ")} logs)`,
    monthlyUsd: (keptLogBytes / GB) * price("logs.storage"),
  });
  if (microBatch) {
    lines.push({ id: "sqs", component: "SQS failure queue", usage: "only objects that fail three times: none modelled", monthlyUsd: 0 });
  }

  const hourly = Object.prototype.hasOwnProperty.call(table.ec2Instances, settings.instanceType)
    ? table.ec2Instances[settings.instanceType].usdPerHour
    : undefined;
  lines.push({
    id: "ec2-instance",
    component: `EC2 instance (${settings.instanceType})`,
    usage: hourly === undefined ? `no price for ${settings.instanceType} in ${table.file}` : `${MONTH_HOURS} hours, on demand`,
    monthlyUsd: hourly === undefined ? undefined : hourly * MONTH_HOURS,
  });
  lines.push({
    id: "ebs-root-volume",
    component: "EBS root volume (gp3)",
    usage: `${GENERATOR_ROOT_VOLUME_GIB} GB`,
    monthlyUsd: GENERATOR_ROOT_VOLUME_GIB * price("ebs.gp3"),
  });
  lines.push({
    id: "public-ipv4",
    component: "Public IPv4 address",
    usage: `${MONTH_HOURS} hours (the generator's)`,
    monthlyUsd: MONTH_HOURS * price("ec2.publicIpv4"),
  });

  const unpriced = lines.filter((l) => l.monthlyUsd === undefined).map((l) => l.component);
  const notes: string[] = [];
  if (found.substituted) notes.push(`The stack's region ${settings.region} has no price table: this estimate uses ${table.region}'s prices.`);
  if (unpriced.length > 0) notes.push(`The total leaves out what has no price: ${unpriced.join(", ")}.`);
  notes.push(...packingNotes(settings, t, sizes, unitBytes));
  if (settings.compression !== "UNCOMPRESSED") notes.push(`S3 storage is counted uncompressed: ${settings.compression} makes it smaller.`);

  return {
    kind: "lab-cost-estimate",
    version: 1,
    stackRegion: settings.region,
    priceRegion: table.region,
    priceDate: table.date,
    priceFile: table.file,
    lines,
    totalUsd: lines.reduce((sum, l) => sum + (l.monthlyUsd ?? 0), 0),
    notes,
    assumptions: [
      `A month is ${MONTH_HOURS} hours; usage is steady at ${settings.generatorRate} record/s, without free tiers, savings plans, taxes or failures.`,
      `A source record is ${sizes.sourceRecordBytes} bytes and an output row ${sizes.destinationRowBytes} (the mean of the generator's records, costs/record-sizes.ts); Firehose bills each record in whole ${unitBytes / 1024} KB.`,
      `The generator sends at least once every ${GENERATOR_FLUSH_SECONDS} s` +
        (settings.packBytes > 0
          ? `, packing up to ${t.recordsPerPack} records (${settings.packBytes} bytes) into one Firehose record; the function packs its rows the same way, per object.`
          : "; packing is off: one Firehose record per record and per row."),
      `Firehose delivers an object every ${round(1 / t.source.objectsPerSecond)} s (buffer ${settings.bufferSizeMiB} MiB / ${settings.bufferIntervalSeconds} s), ${round(t.recordsPerObject)} records each.`,
      ...(microBatch
        ? [
            `One warm invocation per object takes ${LAMBDA_FIXED_MS} ms + ${round(LAMBDA_MS_PER_RECORD, 3)} ms per record (from the measured warm run on 3,500 records) and logs ${LAMBDA_LOG_BYTES_PER_INVOCATION} bytes; no cold starts.`,
          ]
        : []),
      `VPC flow logs: about ${FLOW_LOG_RECORDS_PER_HOUR} records of ${FLOW_LOG_RECORD_BYTES} bytes an hour, a guess (the log group's IncomingBytes metric tells the real figure).`,
      "Left out: data transfer (the generator reaches Firehose in its own region), CPU credits above the T3 baseline, CloudWatch metrics and Logs Insights queries, S3 requests other than the PUTs and GETs above.",
    ],
  };
}

const round = (n: number, digits = 1): string => n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** What packing does at these settings, and the rate from which it cuts Firehose ingestion tenfold. */
function packingNotes(settings: CostSettings, t: LabTraffic, sizes: RecordSizes, unitBytes: number): string[] {
  if (settings.analyticsEngine !== "micro-batch") return ["Packing is off with the SQL application (it reads one record per Firehose record)."];
  // With packing off, what the default pack size (one 5 KB unit) would do.
  const on = settings.packBytes > 0 ? settings : { ...settings, packBytes: PACK_BYTES_DEFAULT };
  const cut = packingCut(on, sizes, unitBytes);
  const tenfold = rateForCut(on, 10, sizes, unitBytes);
  const from = tenfold === undefined ? `no rate up to ${UNPACKED_RATE_MAX.toLocaleString("en-US")} record/s reaches 10×` : `10× from ${tenfold} record/s`;
  if (settings.packBytes === 0)
    return [`Packing is off (LAB_PACK_BYTES=0): packing ${PACK_BYTES_DEFAULT} bytes would cut Firehose ingestion ${round(cut)}× here (${from}).`];
  const notes = [`Packing cuts Firehose ingestion ${round(cut)}× at these settings (${from}).`];
  if (t.recordsPerPack > 1 && settings.generatorRate * GENERATOR_FLUSH_SECONDS <= 1) {
    notes.push(
      `At ${settings.generatorRate} record/s every send of the generator holds one record, so packing cannot shrink the Source stream; ` +
        "it packs the function's rows of each object into the Destination stream.",
    );
  }
  return notes;
}

const billedFirehoseBytes = (settings: CostSettings, sizes: RecordSizes, unitBytes: number): number => {
  const t = labTraffic(settings, sizes, unitBytes);
  return t.source.billedBytesPerSecond + t.destination.billedBytesPerSecond;
};

/** Firehose ingestion without packing / with the settings' packing (both streams bill at one price per GB). */
export function packingCut(settings: CostSettings, sizes: RecordSizes, unitBytes: number): number {
  return billedFirehoseBytes({ ...settings, packBytes: 0 }, sizes, unitBytes) / billedFirehoseBytes(settings, sizes, unitBytes);
}

/** The lowest whole rate (records/s, up to UNPACKED_RATE_MAX) at which packing cuts Firehose ingestion `factor` times. */
export function rateForCut(settings: CostSettings, factor: number, sizes: RecordSizes, unitBytes: number): number | undefined {
  for (let rate = 1; rate <= UNPACKED_RATE_MAX; rate += 1) {
    if (packingCut({ ...settings, generatorRate: rate }, sizes, unitBytes) >= factor) return rate;
  }
  return undefined;
}
