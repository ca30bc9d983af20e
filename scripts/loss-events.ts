/**
 * Seeded loss events for tests and measurements, made by the lab's own generator
 * (`userdata/generator.py --dry-run`), and the same records as the analytics output names them.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { python } from "./python";

export type LossEvent = Record<string, unknown>;

/** `count` records as the generator prints them: one JSON object per line, repeatable by seed. */
export function lossEventLines(count: number, seed = 1): string[] {
  const generator = join(__dirname, "..", "userdata", "generator.py");
  const result = spawnSync(python(), [generator, "--dry-run", "--count", String(count), "--rate", "0", "--seed", String(seed)], {
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`generator.py failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
  return result.stdout.trimEnd().split("\n");
}

/** `count` records from the generator, parsed. */
export function lossEvents(count: number, seed = 1): LossEvent[] {
  return lossEventLines(count, seed).map((line) => JSON.parse(line) as LossEvent);
}

/** The analytics output of a source record: the same values under upper-case column names (unquoted SQL names). */
export function asDestinationRecord(record: LossEvent): LossEvent {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name.toUpperCase(), value]));
}
