/**
 * The generator's Python tests (__tests__/python, unittest), run here so that `npm test` runs them:
 * its validator, synthesis, replay, retries against a fake Firehose client, the stop signal, its
 * command line, and property-based tests with hypothesis (which fail, naming the install command,
 * where hypothesis is missing).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { python } from "../local/python";

describe("the generator's Python tests", () => {
  it("pass under python3 -m unittest (validator, records, fake Firehose retries, command line, properties)", () => {
    const result = spawnSync(python(), ["-m", "unittest", "discover", "-s", join(__dirname, "python"), "-v"], { encoding: "utf8" });
    if (result.error) throw new Error(`cannot run python3 (${result.error.message}); python3 must be on PATH`);
    const report = result.stderr; // unittest reports on stderr
    expect({ status: result.status, report }).toEqual({ status: 0, report: expect.stringMatching(/^OK/m) });
    expect(Number(/^Ran (\d+) tests/m.exec(report)?.[1])).toBeGreaterThanOrEqual(54);
    // A skip says why (only where ../shared/data/banking_loss.csv is absent): show it.
    const skipped = report.split("\n").filter((line) => / \.\.\. skipped /.test(line)); // unittest's mark, not a test's name
    if (skipped.length > 0) console.warn(`skipped Python tests:\n${skipped.join("\n")}`);
  });
});
