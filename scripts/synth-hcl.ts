/**
 * `npm run synth:hcl`: the stack as HCL, the way out of CDKTF should a team leave it (CDKTF is
 * archived). Writes cdktf.out.hcl/stacks/<stack>/cdk.tf: the same depth as cdktf.out/stacks/<stack>/,
 * so the relative path of the local state still names the same file.
 *
 * The HCL comes from cdktf's own renderer (what `cdktf synth --hcl` runs), which gets four things
 * wrong that matter here: a one-line string holding both `${...}` and a quote is written unescaped
 * (every IAM policy; hashicorp/terraform-cdk#3911, open, the project archived), a multi-line
 * string gains a trailing newline (the SQL), an output whose string value looks like JSON is
 * written as an expression (the policy suppressions would become a list), and depends_on entries
 * are quoted (deprecated). This tool repairs those, formats the file with `terraform fmt`, then
 * parses it back with hcl2json and checks that every value equals the one in the JSON synth.
 * Anything it cannot repair fails loudly.
 *
 * Usage: npm run synth:hcl [-- --output <dir>]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { App } from "cdktf";
import { LabSettings } from "../config/settings";
import { settingsFromProject } from "../config/settings";
import { LabStack } from "../main";
import { terraformOrThrow } from "../terraform/terraform";
import { exitCodeOf } from "../input/unusable-input";

export const DEFAULT_HCL_OUTDIR = "cdktf.out.hcl";

/** A string exactly as cdktf 0.21's HCL renderer writes it (cdktf/lib/hcl/render.js, renderString). */
export function cdktfRendering(value: string): string {
  if (value === "") return '""';
  const lines = value.split(/\r\n|[\n\r]/);
  if (lines.length === 1) return `"${/\$\{/.test(value) ? value : value.replace(/(?<!\\)"/g, '\\"')}"`;
  return `<<EOF\n${lines.join("\n")}\nEOF`;
}

/**
 * A string as cdktf 0.21 writes attributes it has no type for (outputs, locals): render.js,
 * renderFuzzyJsonExpression, which passes strings that look like JSON or a number through unquoted.
 */
export function cdktfFuzzyRendering(value: string): string {
  if (value === "") return '""';
  if (value.includes("${")) return `"${value}"`;
  if (parseInt(value, 10).toString() === value || /^[[{"]/.test(value)) return value;
  return `"${value.replace(/(?<!\\)"/g, '\\"')}"`;
}

/** The HCL template that means the same as a Terraform JSON string (both are templates: `${}` and `%{}` stay live). */
export function hclString(value: string): string {
  const lines = value.split("\n");
  if (value.endsWith("\n") && !value.includes("\r") && !lines.includes("EOT")) return `<<EOT\n${value}EOT`;
  let out = "";
  for (let i = 0; i < value.length;) {
    if (value.startsWith("$${", i) || value.startsWith("%%{", i)) {
      out += value.slice(i, i + 3); // escaped literal `${` / `%{`, the same in both syntaxes
      i += 3;
    } else if (value.startsWith("${", i) || value.startsWith("%{", i)) {
      const end = endOfInterpolation(value, i + 2);
      out += value.slice(i, end); // an expression: copied as written, its quotes are its own
      i = end;
    } else {
      const c = value[i];
      out += c === "\\" ? "\\\\" : c === '"' ? '\\"' : c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : c;
      i += 1;
    }
  }
  return `"${out}"`;
}

/** Index just after the `}` closing an interpolation whose body starts at `start` (nested braces and strings skipped). */
function endOfInterpolation(text: string, start: number): number {
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "{") {
      depth++;
    } else if (c === "}" && --depth === 0) {
      return i + 1;
    }
  }
  throw new Error(`unterminated interpolation in ${JSON.stringify(text.slice(start - 2, start + 60))}`);
}

/** Every string value of a Terraform JSON document (metadata `//` left out). */
function strings(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === "string") out.add(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) if (k !== "//") strings(v, out);
  return out;
}

/** The cdktf-rendered HCL with mis-rendered strings and quoted depends_on entries repaired. */
export function repairHcl(hcl: string, json: unknown): string {
  const values = [...strings(json)];
  // Typed attributes: the wrong text is distinctive enough to replace wherever it stands.
  const typed = values.map((value) => ({ wrong: cdktfRendering(value), right: hclString(value) }));
  // Untyped ones: only where a value stands (after `=` or as a list element), never inside another string.
  const fuzzy = values.flatMap((value) => {
    const wrong = cdktfFuzzyRendering(value);
    const right = hclString(value);
    return [
      { wrong: `= ${wrong}\n`, right: `= ${right}\n` },
      { wrong: `\n${wrong},\n`, right: `\n${right},\n` },
    ];
  });
  const fixes = [...typed, ...fuzzy].filter((f) => f.wrong !== f.right).sort((a, b) => b.wrong.length - a.wrong.length); // longest first: a short one may sit inside a long one
  let repaired = hcl;
  for (const f of fixes) repaired = repaired.split(f.wrong).join(f.right);
  return repaired.replace(
    /^(\s*depends_on\s*=\s*\[)([^\]]*)\]/gm,
    (_m, head: string, items: string) => `${head}${items.replace(/"([A-Za-z0-9_.\-[\]]+)"/g, "$1")}]`,
  );
}

/** `path = value` for every scalar (array positions and block nesting flattened), sorted. */
function scalars(value: unknown, path = "", out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => scalars(v, path, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) if (k !== "//") scalars(v, path ? `${path}.${k}` : k, out);
  } else {
    // HCL's depends_on holds references; hcl2json shows them as `${ref}`, the JSON as `ref`.
    const shown = path.endsWith(".depends_on") && typeof value === "string" ? value.replace(/^\$\{(.*)\}$/, "$1") : value;
    out.push(`${path} = ${JSON.stringify(shown)}`);
  }
  return out.sort();
}

/** The values whose HCL reading differs from the JSON: empty when the two say the same. */
export async function differences(hcl: string, json: unknown): Promise<string[]> {
  const fromHcl = scalars(await parse("cdk.tf", hcl));
  const fromJson = scalars(json);
  const count = (list: string[]) => list.reduce((m, v) => m.set(v, (m.get(v) ?? 0) + 1), new Map<string, number>());
  const inHcl = count(fromHcl);
  const inJson = count(fromJson);
  return [
    ...[...inJson].filter(([v, n]) => (inHcl.get(v) ?? 0) < n).map(([v]) => `only in JSON: ${v}`),
    ...[...inHcl].filter(([v, n]) => (inJson.get(v) ?? 0) < n).map(([v]) => `only in HCL:  ${v}`),
  ];
}

/**
 * cdktf's stacks read SYNTH_HCL_OUTPUT when they are constructed (App's hclOutput only names the
 * file), which is how `cdktf synth --hcl` asks for HCL: set it for exactly this stack.
 */
function synthStack(outdir: string, settings: LabSettings, hcl: boolean): void {
  const before = process.env.SYNTH_HCL_OUTPUT;
  process.env.SYNTH_HCL_OUTPUT = String(hcl);
  try {
    const app = new App({ outdir, hclOutput: hcl });
    new LabStack(app, settings);
    app.synth();
  } finally {
    if (before === undefined) delete process.env.SYNTH_HCL_OUTPUT;
    else process.env.SYNTH_HCL_OUTPUT = before;
  }
}

export interface HclSynthResult {
  readonly file: string;
  readonly resources: number;
}

/** Synthesizes the stack as repaired, formatted, checked HCL under `outdir`. */
export async function synthHcl(outdir: string, env: NodeJS.ProcessEnv = process.env): Promise<HclSynthResult> {
  const settings = settingsFromProject(env);
  const jsonOut = mkdtempSync(join(tmpdir(), "lab-synth-json-"));
  let json: { resource?: Record<string, Record<string, unknown>> };
  try {
    synthStack(jsonOut, settings, false);
    json = JSON.parse(readFileSync(join(jsonOut, "stacks", settings.stackName, "cdk.tf.json"), "utf8")) as typeof json;
  } finally {
    rmSync(jsonOut, { recursive: true, force: true });
  }

  synthStack(outdir, settings, true);
  const stackDir = join(outdir, "stacks", settings.stackName);
  const file = join(stackDir, "cdk.tf");
  writeFileSync(file, repairHcl(readFileSync(file, "utf8"), json));
  terraformOrThrow(stackDir, ["fmt", "cdk.tf"]);

  const wrong = await differences(readFileSync(file, "utf8"), json);
  if (wrong.length > 0) {
    throw new Error(`${file} does not say what cdk.tf.json says (${wrong.length} values differ):\n  ${wrong.slice(0, 20).join("\n  ")}`);
  }
  const resources = Object.values(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  return { file, resources };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--output");
  const rest = at === -1 ? argv : [...argv.slice(0, at), ...argv.slice(at + 2)];
  if (rest.length > 0 || (at !== -1 && argv.at(at + 1) === undefined)) {
    console.error("usage: npm run synth:hcl [-- --output <dir>]");
    process.exit(2);
  }
  const outdir = resolve(at === -1 ? DEFAULT_HCL_OUTDIR : argv[at + 1]);
  synthHcl(outdir).then(
    ({ file, resources }) => {
      console.log(`Wrote ${relative(process.cwd(), file)}: ${resources} resources, formatted by terraform fmt, every value read back equal to the JSON synth.`);
      // The parser's WebAssembly runtime keeps the event loop alive.
      process.exit(0);
    },
    (error: unknown) => {
      console.error(`synth:hcl failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(exitCodeOf(error));
    },
  );
}
