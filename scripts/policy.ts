/**
 * The policy pack on any Terraform JSON: a synthesized `cdk.tf.json` (or any *.tf.json) or a
 * `terraform show -json <planfile>` plan, from this project or not.
 *
 *   npm run policy -- FILE [--format text|json]      (FILE "-" reads standard input)
 *
 * Exit status: 0 clean, 1 when any rule fails (or cannot be decided), 2 when the input cannot be
 * read, is not JSON, is neither kind, or has a shape the pack cannot read (or the check itself
 * breaks): one line on standard error naming the file and what is wrong.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkTerraformJson, PolicyInputError } from "../policies";
import { parseTerraformJson } from "../policies/json";
import { formatJson, formatText } from "../policies/report";
import { notAllowed } from "../input/allowed";
import { REPORT_FORMAT } from "../text/report-format";

export const USAGE = "usage: npm run policy -- FILE [--format text|json]   (FILE: cdk.tf.json, a `terraform show -json` plan, or - for stdin)";

/** Runs the CLI; returns the exit status instead of exiting, so tests and other scripts can call it. */
export function main(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  let file: string;
  let format: string;
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { format: { type: "string", default: "text" } }, allowPositionals: true });
    format = values.format;
    if (positionals.length !== 1) throw new Error(positionals.length === 0 ? "no FILE given" : `one FILE expected, got ${positionals.length}`);
    if (!REPORT_FORMAT.test(format)) throw new Error(notAllowed("--format", format, REPORT_FORMAT));
    file = positionals[0];
  } catch (e) {
    err(`policy: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }

  const source = file === "-" ? "standard input" : file;
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    err(`policy: ${source}: it cannot be read (${(e as Error).message})`);
    return 2;
  }
  try {
    // Terraform's reading of the text: a property repeated in one object keeps every definition.
    const result = checkTerraformJson(parseTerraformJson(text), { source });
    out(format === "json" ? formatJson(result) : formatText(result));
    return result.findings.length === 0 ? 0 : 1;
  } catch (e) {
    // Not a verdict on the stack either way: say what went wrong in one line, never exit 0 or 1.
    err(e instanceof PolicyInputError ? `policy: ${source}: ${oneLine(e.message)}` : `policy: internal error while checking ${source}: ${oneLine(e)}`);
    return 2;
  }
}

/** A message as one line of bounded length (an unexpected error: its name and message, never its stack). */
function oneLine(e: unknown): string {
  const text = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).replace(/\s+/g, " ");
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}...` : text;
}

const MAX_MESSAGE = 1000;

if (require.main === module) {
  // A reader that stops early (`| head`) is not a failure of the check: keep the status computed.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
  });
  process.exitCode = main(
    process.argv.slice(2),
    (t) => process.stdout.write(`${t}\n`),
    (t) => process.stderr.write(`${t}\n`),
  );
}
