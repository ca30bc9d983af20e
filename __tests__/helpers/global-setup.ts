/**
 * Jest's global setup, run once before any worker starts; what it sets in the environment reaches
 * every worker and every process they start.
 * - The Python interpreter is asked for once and handed down in LAB_PYTHON, instead of once per
 *   test file (each file has its own module registry) and once per command a test runs.
 * - Temporary files go to one folder of this run (TMPDIR), removed by the global teardown: cdktf's
 *   Testing.synth makes a folder per call that nothing removes (about 160 a run), and a test
 *   that fails may leave its own.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { python, PYTHON_ENV } from "../../local/python";

/** Where the run's temporary folder's path is kept for the teardown. */
export const RUN_TMPDIR_ENV = "LAB_TEST_TMPDIR";

export default function globalSetup(): void {
  const found = python(); // honours a LAB_PYTHON already set, and refuses a bad one
  if (isAbsolute(found)) process.env[PYTHON_ENV] = found;
  const runTmp = mkdtempSync(join(tmpdir(), "lab-npm-test-"));
  process.env[RUN_TMPDIR_ENV] = runTmp;
  process.env.TMPDIR = runTmp;
}
