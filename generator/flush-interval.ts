/**
 * The longest a record waits in the generator before it is sent: defined once, in generator.py
 * (`FLUSH_SECONDS`, which the program on the instance uses), and read from there by the cost model.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const DEFINITION = /^FLUSH_SECONDS = (\d+(?:\.\d+)?)\b/m;

/** `FLUSH_SECONDS` as generator.py at `file` defines it; throws, naming the file, when it does not define it. */
export function readFlushSeconds(file = join(__dirname, "generator.py")): number {
  const match = DEFINITION.exec(readFileSync(file, "utf8"));
  if (!match) throw new Error(`${file}: no line "FLUSH_SECONDS = <seconds>" (the generator's flush interval, which the cost estimate reads)`);
  return Number(match[1]);
}
