/**
 * The policy pack on any Terraform JSON: a synthesized `cdk.tf.json` (or any *.tf.json) or a
 * `terraform show -json <planfile>` plan, from this project or not.
 *
 *   npm run policy -- FILE [--format text|json]      (FILE "-" reads standard input)
 *
 * Exit status: 0 clean, 1 when any rule fails (or cannot be decided), 2 when the input cannot be
 * read or is neither kind of JSON (or the check itself breaks).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkTerraformJson, CheckResult, PolicyInputError } from "../policies";
import { formatJson, formatText } from "../policies/report";

export const USAGE = "usage: npm run policy -- FILE [--format text|json]   (FILE: cdk.tf.json, a `terraform show -json` plan, or - for stdin)";

/** Runs the CLI; returns the exit status instead of exiting, so tests and other scripts can call it. */
export function main(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): number {
  let file: string;
  let format: string;
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { format: { type: "string", default: "text" } }, allowPositionals: true });
    format = values.format ?? "text";
    if (positionals.length !== 1) throw new Error(positionals.length === 0 ? "no FILE given" : `one FILE expected, got ${positionals.length}`);
    if (format !== "text" && format !== "json") throw new Error(`--format = ${JSON.stringify(format)} is not allowed; it must be text or json`);
    file = positionals[0];
  } catch (e) {
    err(`policy: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }

  const source = file === "-" ? "standard input" : file;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
  } catch (e) {
    err(`policy: ${source}: ${e instanceof SyntaxError ? `it is not JSON (${e.message})` : `it cannot be read (${(e as Error).message})`}`);
    return 2;
  }
  let result: CheckResult;
  try {
    result = checkTerraformJson(json, { source });
  } catch (e) {
    // Not a verdict on the stack either way: say what went wrong, never exit 0 or 1.
    err(e instanceof PolicyInputError ? `policy: ${source}: ${e.message}` : `policy: internal error while checking ${source}: ${(e as Error).stack}`);
    return 2;
  }
  out(format === "json" ? formatJson(result) : formatText(result));
  return result.findings.length === 0 ? 0 : 1;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), (t) => process.stdout.write(`${t}\n`), (t) => process.stderr.write(`${t}\n`));
}
