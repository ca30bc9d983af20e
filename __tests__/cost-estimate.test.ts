/**
 * The cost model: packing and the 5 KB rounding, PutRecordBatch's limits, Firehose's buffering,
 * each component from the settings it depends on, and what has no price said rather than guessed.
 */
import { resolveSettings } from "../config/settings";
import { CostEstimate, estimateCost, firehoseIngestionUsd, labTraffic, MONTH_HOURS, packed, packingCut, putCalls, rateForCut } from "../costs/estimate";
import { DEFAULT_PRICE_REGION, loadPriceTable, priceFile } from "../costs/prices";
import { TYPICAL_RECORD_SIZES } from "../costs/record-sizes";

const table = loadPriceTable(priceFile(DEFAULT_PRICE_REGION));
const UNIT = table.prices["firehose.ingestion"].roundedUpToBytes!;
const settings = (env: Record<string, string> = {}) => resolveSettings({ env });
const estimate = (env: Record<string, string> = {}) => estimateCost(settings(env), { table });
const line = (e: CostEstimate, id: string) => {
  const found = e.lines.find((l) => l.id === id);
  if (!found) throw new Error(`no line ${id} in ${e.lines.map((l) => l.id).join(", ")}`);
  return found;
};
const usd = (e: CostEstimate, id: string) => line(e, id).monthlyUsd!;
const MONTH_SECONDS = MONTH_HOURS * 3600;

describe("packing records into Firehose records", () => {
  it("bills every record as a whole 5 KB unit when packing is off", () => {
    expect(packed(60, 321, 0, UNIT)).toEqual({ firehoseRecords: 60, billedUnits: 60 });
    expect(packed(2, 6000, 0, UNIT)).toEqual({ firehoseRecords: 2, billedUnits: 4 });
  });

  it("packs as many whole records as fit, the last pack partly full", () => {
    // floor(5000 / 321) = 15 records a pack: 60 rows make 4 packs of one unit each; 61 make a fifth.
    expect(packed(60, 321, 5000, UNIT)).toEqual({ firehoseRecords: 4, billedUnits: 4 });
    expect(packed(61, 321, 5000, UNIT)).toEqual({ firehoseRecords: 5, billedUnits: 5 });
    expect(packed(1, 321, 5000, UNIT)).toEqual({ firehoseRecords: 1, billedUnits: 1 });
  });

  it("rounds a pack larger than one unit up to whole units, and sends a record larger than a pack alone", () => {
    // 100,000-byte packs hold 311 records (99,831 bytes): 20 units each.
    expect(packed(622, 321, 100_000, UNIT)).toEqual({ firehoseRecords: 2, billedUnits: 40 });
    expect(packed(3, 321, 200, UNIT)).toEqual({ firehoseRecords: 3, billedUnits: 3 });
  });

  it("makes one PutRecordBatch call per 500 records or 4 MiB, at least one", () => {
    expect([putCalls(1, 321), putCalls(500, 160_500), putCalls(501, 160_821), putCalls(10, 5 * 1024 * 1024)]).toEqual([1, 1, 2, 2]);
  });
});

describe("the traffic the settings make", () => {
  it("at the defaults: one Firehose record a second, an object a minute of 60 records, 4 packed rows each", () => {
    const t = labTraffic(settings(), TYPICAL_RECORD_SIZES, UNIT);
    expect(t.source).toEqual({
      firehoseRecordsPerSecond: 1,
      billedBytesPerSecond: UNIT,
      dataBytesPerSecond: 321,
      putCallsPerSecond: 1,
      objectsPerSecond: 1 / 60,
    });
    expect(t.recordsPerObject).toBeCloseTo(60);
    expect(t.destination.firehoseRecordsPerSecond).toBeCloseTo(4 / 60);
    expect(t.destination.putCallsPerSecond).toBeCloseTo(1 / 60);
    expect(t.invocationsPerSecond).toBeCloseTo(1 / 60);
  });

  it("delivers when the buffer fills before the interval passes", () => {
    const t = labTraffic(settings({ LAB_GENERATOR_RATE: "1000" }), TYPICAL_RECORD_SIZES, UNIT);
    expect(1 / t.source.objectsPerSecond).toBeCloseTo((1024 * 1024) / (1000 * 321));
  });

  it("with a zero interval, delivers an object per PutRecordBatch call", () => {
    const t = labTraffic(settings({ LAB_BUFFER_INTERVAL_SECONDS: "0" }), TYPICAL_RECORD_SIZES, UNIT);
    expect(t.source.objectsPerSecond).toBe(1);
  });

  it("without packing, sends every record and row as its own Firehose record", () => {
    const t = labTraffic(settings({ LAB_GENERATOR_RATE: "1000", LAB_PACK_BYTES: "0" }), TYPICAL_RECORD_SIZES, UNIT);
    expect([t.source.firehoseRecordsPerSecond, t.source.putCallsPerSecond]).toEqual([1000, 2]);
    expect(t.destination.firehoseRecordsPerSecond).toBeCloseTo(1000);
  });

  it("below one record a second, sends each record alone", () => {
    const t = labTraffic(settings({ LAB_GENERATOR_RATE: "0.2" }), TYPICAL_RECORD_SIZES, UNIT);
    expect([t.source.firehoseRecordsPerSecond, t.source.putCallsPerSecond]).toEqual([0.2, 0.2]);
  });
});

describe("the estimate", () => {
  const defaults = estimate();

  it("prices every component of the lab at its settings, the total their sum", () => {
    expect(defaults.lines.map((l) => l.id)).toEqual([
      "firehose-source",
      "firehose-destination",
      "s3-storage",
      "s3-requests",
      "lambda-requests",
      "lambda-duration",
      "logs-ingestion",
      "vpc-flow-logs",
      "logs-storage",
      "sqs",
      "ec2-instance",
      "ebs-root-volume",
      "public-ipv4",
    ]);
    expect(defaults.totalUsd).toBeCloseTo(
      defaults.lines.reduce((sum, l) => sum + l.monthlyUsd!, 0),
      10,
    );
    expect(defaults).toEqual(
      expect.objectContaining({ stackRegion: "us-east-1", priceRegion: "us-east-1", priceDate: table.date, priceFile: "costs/prices.us-east-1.json" }),
    );
  });

  it("bills Firehose per record rounded up to 5 KB, at a 730-hour month", () => {
    // One record a second (one pack of one record), billed as one unit.
    expect(usd(defaults, "firehose-source")).toBeCloseTo(((MONTH_SECONDS * UNIT) / 1024 ** 3) * 0.029, 10);
    expect(usd(defaults, "ec2-instance")).toBeCloseTo(0.0104 * 730, 10);
    expect(usd(defaults, "public-ipv4")).toBeCloseTo(0.005 * 730, 10);
    expect(usd(defaults, "ebs-root-volume")).toBeCloseTo(8 * 0.08, 10);
  });

  it("at the defaults, packing cuts Firehose ingestion less than 2×: the Source stream gains nothing at 1 record/s", () => {
    expect(packingCut(settings(), TYPICAL_RECORD_SIZES, UNIT)).toBeCloseTo(1.875);
    expect(firehoseIngestionUsd(estimate({ LAB_PACK_BYTES: "0" })) / firehoseIngestionUsd(defaults)).toBeCloseTo(1.875);
    expect(usd(estimate({ LAB_PACK_BYTES: "0" }), "firehose-source")).toBeCloseTo(usd(defaults, "firehose-source"), 10);
    const sourceNote = /^At [\d.]+ record\/s every send of the generator holds one record, so packing cannot shrink the Source stream/;
    expect(defaults.notes).toEqual(expect.arrayContaining([expect.stringMatching(sourceNote)]));
    expect(estimate({ LAB_GENERATOR_RATE: "0.5" }).notes).toEqual(expect.arrayContaining([expect.stringMatching(sourceNote)]));
    expect(estimate({ LAB_GENERATOR_RATE: "2" }).notes).not.toEqual(expect.arrayContaining([expect.stringMatching(sourceNote)]));
  });

  it("cuts Firehose ingestion 10× from 8 records/s, 15× at 1000 records/s", () => {
    expect(rateForCut(settings(), 10, TYPICAL_RECORD_SIZES, UNIT)).toBe(8);
    expect(packingCut(settings({ LAB_GENERATOR_RATE: "7" }), TYPICAL_RECORD_SIZES, UNIT)).toBeLessThan(10);
    expect(packingCut(settings({ LAB_GENERATOR_RATE: "1000" }), TYPICAL_RECORD_SIZES, UNIT)).toBeCloseTo(15, 0);
    expect(defaults.notes).toContain("Packing cuts Firehose ingestion 1.9× at these settings (10× from 8 record/s).");
  });

  it("says when no rate reaches a tenfold cut: packs too small for two records", () => {
    expect(rateForCut(settings({ LAB_PACK_BYTES: "600" }), 10, TYPICAL_RECORD_SIZES, UNIT)).toBeUndefined();
    expect(estimate({ LAB_PACK_BYTES: "600" }).notes).toContain(
      "Packing cuts Firehose ingestion 1× at these settings (no rate up to 1,000 record/s reaches 10×).",
    );
  });

  it("says what packing would save when it is off", () => {
    expect(estimate({ LAB_PACK_BYTES: "0" }).notes).toContain(
      "Packing is off (LAB_PACK_BYTES=0): packing 5000 bytes would cut Firehose ingestion 1.9× here (10× from 8 record/s).",
    );
  });

  it("follows the settings each component depends on", () => {
    const twice = (env: Record<string, string>, id: string) => expect(usd(estimate(env), id) / usd(defaults, id)).toBeCloseTo(2, 5);
    twice({ LAB_ANALYTICS_MEMORY_MIB: "1024" }, "lambda-duration");
    twice({ LAB_GENERATOR_RATE: "2" }, "s3-storage");
    expect(usd(estimate({ LAB_LOG_RETENTION_DAYS: "7" }), "logs-storage") / usd(defaults, "logs-storage")).toBeCloseTo(0.5, 5);
    expect(usd(estimate({ LAB_BUFFER_INTERVAL_SECONDS: "120" }), "lambda-requests") / usd(defaults, "lambda-requests")).toBeCloseTo(0.5, 5);
    expect(usd(estimate({ LAB_OBJECT_EXPIRATION_DAYS: "7" }), "s3-storage") / usd(defaults, "s3-storage")).toBeCloseTo(14 / 37, 5);
    expect(usd(estimate({ LAB_INSTANCE_TYPE: "t3.medium" }), "ec2-instance")).toBeCloseTo(0.0416 * 730, 10);
  });

  it("says there is no price for an instance type the table lacks, and leaves it out of the total", () => {
    const e = estimate({ LAB_INSTANCE_TYPE: "c5.large" });
    expect(line(e, "ec2-instance")).toEqual({
      id: "ec2-instance",
      component: "EC2 instance (c5.large)",
      usage: "no price for c5.large in costs/prices.us-east-1.json",
      monthlyUsd: undefined,
    });
    expect(e.totalUsd).toBeCloseTo(defaults.totalUsd - usd(defaults, "ec2-instance"), 10);
    expect(e.notes).toContain("The total leaves out what has no price: EC2 instance (c5.large).");
  });

  it("says when the stack's region has no price table", () => {
    const e = estimateCost(settings({ LAB_REGION: "eu-west-1" }));
    expect(e).toEqual(expect.objectContaining({ stackRegion: "eu-west-1", priceRegion: "us-east-1" }));
    expect(e.notes[0]).toBe("The stack's region eu-west-1 has no price table: this estimate uses us-east-1's prices.");
  });

  it("with the SQL application: no function, every row its own Firehose record, the application not priced", () => {
    const e = estimate({ LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" });
    expect(e.lines.map((l) => l.id).filter((id) => /lambda|sqs|kinesis/.test(id))).toEqual(["kinesis-analytics"]);
    expect(line(e, "kinesis-analytics").monthlyUsd).toBeUndefined();
    expect(usd(e, "firehose-destination")).toBeCloseTo(usd(e, "firehose-source"), 10);
    expect(e.notes).toContain("The total leaves out what has no price: SQL application (legacy engine).");
  });

  it("counts storage that never expires as growing", () => {
    expect(line(estimate({ LAB_OBJECT_EXPIRATION_DAYS: "0" }), "s3-storage").usage).toMatch(/after the first month, growing by as much every month/);
  });
});
