/** Jest's global teardown: removes the run's temporary folder (see global-setup.ts). */
import { rmSync } from "node:fs";
import { RUN_TMPDIR_ENV } from "./global-setup";

export default function globalTeardown(): void {
  const runTmp = process.env[RUN_TMPDIR_ENV];
  if (runTmp) rmSync(runTmp, { recursive: true, force: true });
}
