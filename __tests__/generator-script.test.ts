import { spawnSync } from "node:child_process";
import { join } from "node:path";

const GENERATOR = join(__dirname, "..", "userdata", "generator.py");
const run = (...args: string[]) => spawnSync("python3", [GENERATOR, ...args], { encoding: "utf8" });

describe("userdata/generator.py", () => {
  it("prints one JSON record per line in --dry-run, shaped like the lab's with typed values", () => {
    const result = run("--dry-run", "--count", "50", "--rate", "0", "--seed", "7");
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.pop()).toBe(""); // every record ends with a newline
    expect(lines).toHaveLength(50);
    for (const record of lines.map((l) => JSON.parse(l))) {
      expect(Object.keys(record)).toEqual([
        "Region", "Business", "Name", "Status", "RiskCategory", "RiskSubCategory",
        "DiscoveryDate", "OccurrenceStartDate", "NetLoss", "RecoveryAmount", "EstimatedGrossLoss",
      ]);
      expect(record.DiscoveryDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(typeof record.NetLoss).toBe("number");
    }
  });

  it("is repeatable with a seed", () => {
    expect(run("--dry-run", "--count", "5", "--rate", "0", "--seed", "1").stdout).toBe(run("--dry-run", "--count", "5", "--rate", "0", "--seed", "1").stdout);
  });

  it("refuses to send without a stream, with a usage message", () => {
    const result = run("--count", "1");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--stream is required unless --dry-run");
  });
});
