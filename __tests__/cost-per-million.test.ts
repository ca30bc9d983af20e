/**
 * `npm run bench`'s modelled section: cost and PutRecordBatch calls per million source records,
 * with and without packing, at the lab's rate and at 1,000 records/s, said to be modelled.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveSettings } from "../config/settings";
import { perMillion, perMillionSection } from "../costs/per-million";

const settings = (env: Record<string, string> = {}) => resolveSettings({ env });

describe("per million source records", () => {
  it("at 1 record/s: one generator call per record either way, one function call per object of 60 rows", () => {
    const [off, on] = perMillion(settings(), 1);
    expect([off.packBytes, on.packBytes]).toEqual([0, 5000]);
    expect([off.generatorCalls, on.generatorCalls]).toEqual([1e6, 1e6]);
    expect(off.functionCalls).toBeCloseTo(1e6 / 60);
    expect(on.functionCalls).toBeCloseTo(1e6 / 60);
    expect(off.firehoseUsd / on.firehoseUsd).toBeCloseTo(1.875);
  });

  it("at 1,000 records/s: packing halves the generator's calls and cuts Firehose ingestion 15×", () => {
    const [off, on] = perMillion(settings(), 1000);
    // Without packing a second's 1,000 records take two calls of 500; packed, 67 records take one.
    expect([off.generatorCalls, on.generatorCalls]).toEqual([2000, 1000]);
    // An object of 3,266 rows (1 MiB): 7 calls of at most 500 rows, or one call of 218 packs.
    expect(Math.round(off.functionCalls)).toBe(2143);
    expect(Math.round(on.functionCalls)).toBe(306);
    expect(off.firehoseUsd / on.firehoseUsd).toBeCloseTo(15, 0);
    expect(on.labUsd!).toBeLessThan(off.labUsd!);
  });

  it("is in the README as the code renders it at the default settings", () => {
    const table = perMillionSection(settings()).filter((l) => l.startsWith("|"));
    expect(readFileSync(join(__dirname, "..", "README.md"), "utf8")).toContain(table.join("\n"));
  });

  it("has no whole-lab figure when part of the lab has no price", () => {
    expect(perMillion(settings({ LAB_INSTANCE_TYPE: "c5.large" }), 1)[0].labUsd).toBeUndefined();
  });

  it("is printed as a table said to be modelled, at the lab's rate and at 1,000/s", () => {
    const text = perMillionSection(settings()).join("\n");
    expect(text).toMatch(/^Per million source records: modelled, not measured \(costs\/estimate\.ts at us-east-1 list prices as of 2026-12-02/);
    expect(text).toContain("| rate | packing | whole lab | Firehose ingestion | PutRecordBatch calls: generator | PutRecordBatch calls: function |");
    expect(text).toContain("| 1/s | off | $5.018 | $0.277 | 1,000,000 | 16,667 |");
    expect(text).toContain("| 1,000/s | 5,000 bytes | $0.044 | $0.018 | 1,000 | 306 |");
  });

  it("with the SQL application: packing off only, its own calls named rather than counted, no whole-lab price", () => {
    const rows = perMillionSection(settings({ LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" })).filter((l) => /^\| 1(,000)?\/s/.test(l));
    expect(rows).toEqual([
      "| 1/s | off | no price | $0.277 | 1,000,000 | (the SQL application's) |",
      "| 1,000/s | off | no price | $0.277 | 2,000 | (the SQL application's) |",
    ]);
  });
});
