/**
 * `npm run bench`'s modelled figures beside its timings: what a million source records cost, with
 * and without packing, and the PutRecordBatch calls they take, from the cost model (costs/estimate.ts)
 * at the lab's settings and at a high rate. Modelled, not measured.
 */
import { PACK_BYTES_DEFAULT } from "../config/settings";
import { cell, tableHead } from "../text/markdown";
import { CostSettings, estimateCost, firehoseIngestionUsd, labTraffic, MONTH_HOURS, UNPACKED_RATE_MAX } from "./estimate";
import { priceTableFor } from "./prices";
import { TYPICAL_RECORD_SIZES } from "./record-sizes";

/** The high rate the figures are also given at: the most the settings allow unpacked. */
const HIGH_RATE = UNPACKED_RATE_MAX;

export interface PerMillion {
  readonly rate: number;
  readonly packBytes: number;
  /** The whole lab's monthly cost per million source records; undefined when part of it has no price. */
  readonly labUsd?: number;
  readonly firehoseUsd: number;
  /** PutRecordBatch calls per million source records: the generator's into Source, the function's into Destination. */
  readonly generatorCalls: number;
  readonly functionCalls: number;
}

/**
 * The figures at `rate`, packing off and on (the settings' pack size, or the default one when theirs
 * is off); off only with the SQL application, which cannot read packed records.
 */
export function perMillion(settings: CostSettings, rate: number): PerMillion[] {
  const { table } = priceTableFor(settings.region);
  const unit = table.prices["firehose.ingestion"].roundedUpToBytes as number;
  const packings = settings.analyticsEngine === "micro-batch" ? [0, settings.packBytes || PACK_BYTES_DEFAULT] : [0];
  return packings.map((packBytes) => {
    const at = { ...settings, generatorRate: rate, packBytes };
    const e = estimateCost(at, { table });
    const t = labTraffic(at, TYPICAL_RECORD_SIZES, unit);
    const millions = (rate * MONTH_HOURS * 3600) / 1e6;
    return {
      rate,
      packBytes,
      labUsd: e.lines.some((l) => l.monthlyUsd === undefined) ? undefined : e.totalUsd / millions,
      firehoseUsd: firehoseIngestionUsd(e) / millions,
      generatorCalls: ((t.source.putCallsPerSecond ?? 0) / rate) * 1e6,
      functionCalls: ((t.destination.putCallsPerSecond ?? 0) / rate) * 1e6,
    };
  });
}

const dollars = (usd: number | undefined) =>
  usd === undefined ? "no price" : `$${usd.toLocaleString("en-US", { minimumFractionDigits: 3, maximumFractionDigits: 3 })}`;
const calls = (n: number) => Math.round(n).toLocaleString("en-US");

/** The section `npm run bench` prints: at the lab's rate and at 1,000 records/s. */
export function perMillionSection(settings: CostSettings): string[] {
  const { table } = priceTableFor(settings.region);
  const rates = [...new Set([settings.generatorRate, HIGH_RATE])];
  const microBatch = settings.analyticsEngine === "micro-batch";
  const rows = rates
    .flatMap((rate) => perMillion(settings, rate))
    .map((r) =>
      [
        `${r.rate.toLocaleString("en-US")}/s`,
        r.packBytes === 0 ? "off" : `${r.packBytes.toLocaleString("en-US")} bytes`,
        dollars(r.labUsd),
        dollars(r.firehoseUsd),
        calls(r.generatorCalls),
        microBatch ? calls(r.functionCalls) : "(the SQL application's)",
      ].map((c) => cell(c)),
    );
  return [
    `Per million source records: modelled, not measured (costs/estimate.ts at ${table.region} list prices as of ${table.date}, ${settings.analyticsEngine} engine, ` +
      `${TYPICAL_RECORD_SIZES.sourceRecordBytes}-byte records, the lab's other settings):`,
    "",
    ...tableHead("rate", "packing", "whole lab", "Firehose ingestion", "PutRecordBatch calls: generator", "PutRecordBatch calls: function"),
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
    "The whole lab's cost is a month's estimate divided by the month's records: at a low rate the instance dominates it.",
  ];
}
