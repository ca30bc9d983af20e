/**
 * Jest's global setup, run once before any worker starts: the Python interpreter is asked for here
 * and handed to every worker and every process they start in LAB_PYTHON, instead of once per test
 * file (each file has its own module registry) and once per command a test runs.
 */
import { isAbsolute } from "node:path";
import { python, PYTHON_ENV } from "../../scripts/python";

export default function askForPythonOnce(): void {
  const found = python(); // honours a LAB_PYTHON already set, and refuses a bad one
  if (isAbsolute(found)) process.env[PYTHON_ENV] = found;
}
