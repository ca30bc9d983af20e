/**
 * The typical record sizes the cost estimate counts, recomputed from the generator: a change of the
 * schema or the generator that changes them fails here (then update costs/record-sizes.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TYPICAL_RECORD_SIZES, TYPICAL_SAMPLE } from "../costs/record-sizes";
import { asDestinationRecord, lossEventLines } from "../fixtures/loss-events";
import { python } from "../local/python";

const LAB_DATA = join(__dirname, "..", "..", "shared", "data", "banking_loss.csv");
const meanBytes = (lines: readonly string[]) => lines.reduce((sum, line) => sum + Buffer.byteLength(`${line}\n`), 0) / lines.length;

describe("the typical record sizes", () => {
  const lines = lossEventLines(TYPICAL_SAMPLE.count, TYPICAL_SAMPLE.seed);

  it("are the mean bytes of the generator's records, newline included", () => {
    expect(Math.round(meanBytes(lines))).toBe(TYPICAL_RECORD_SIZES.sourceRecordBytes);
  });

  it("count the output row as the function sends it: the same values under upper-case names", () => {
    const rows = lines.map((line) => JSON.stringify(asDestinationRecord(JSON.parse(line))));
    expect(Math.round(meanBytes(rows))).toBe(TYPICAL_RECORD_SIZES.destinationRowBytes);
  });

  // The lab's own data lives beside the project (../shared/data/), not in it: a clone elsewhere has none.
  (existsSync(LAB_DATA) ? it : it.skip)(
    `are within 5 % of the lab's own records (${existsSync(LAB_DATA) ? "../shared/data/banking_loss.csv" : "skipped: ../shared/data/banking_loss.csv is absent"})`,
    () => {
      const generator = join(__dirname, "..", "generator", "generator.py");
      const result = spawnSync(python(), [generator, "--dry-run", "--rate", "0", "--replay", LAB_DATA, "--count", "1402"], { encoding: "utf8" });
      expect(result.status).toBe(0);
      const lab = meanBytes(result.stdout.trimEnd().split("\n"));
      expect(Math.abs(lab - TYPICAL_RECORD_SIZES.sourceRecordBytes) / lab).toBeLessThan(0.05);
    },
  );
});
