/**
 * The local run's record of itself, `run.json` in its folder: the local AWS's endpoint, CA and pid,
 * the npm start that owns it, and whether it was left up on purpose (--keep). A second npm start
 * reads it to refuse sharing the folder, saying whose local AWS holds it.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface RunRecord {
  /** The local AWS's HTTPS endpoint, its CA file and its pid. */
  readonly endpoint: string;
  readonly ca: string;
  readonly pid: number;
  /** The npm start process that started it. */
  readonly runner: number;
  /** Left running after its npm start ends (--keep). */
  readonly keep: boolean;
}

const file = (outdir: string) => join(outdir, "run.json");

export function writeRunRecord(outdir: string, record: RunRecord): void {
  writeFileSync(file(outdir), `${JSON.stringify(record, null, 2)}\n`);
}

/** An earlier run's record, if its local AWS is still running. */
export function runningLocalAws(outdir: string): RunRecord | undefined {
  if (!existsSync(file(outdir))) return undefined;
  const run = JSON.parse(readFileSync(file(outdir), "utf8")) as RunRecord;
  return isRunning(run.pid) ? run : undefined;
}

/** Whether a process with this pid exists (signal 0 checks without signalling). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
