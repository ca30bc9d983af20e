/**
 * The code checks beside the type-check: dependency-cruiser (.dependency-cruiser.cjs: the layers),
 * ESLint (eslint.config.mjs), Prettier (.prettierrc.json), knip (knip.json), action-validator over
 * the GitHub workflows and pyflakes over the Python. Each
 * runs once over the tree and must say nothing; a failure prints its findings. Each is also run on
 * a tiny bad input of its own, to prove that it can fail and names the problem. The tools run as
 * `node <their bin>` (npx costs about a second each), with their caches under node_modules/.cache:
 * a warm run rechecks only what changed (after `npm ci` every run is cold).
 */
import { spawnSync, SpawnSyncOptions } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const ROOT = join(__dirname, "..");
const CACHE = join(ROOT, "node_modules", ".cache");
/** A package's command, as its package.json names it (`exports` hide bin files and package.json from require.resolve). */
function bin(pkg: string, command: string): string {
  const dir = join(ROOT, "node_modules", pkg);
  const { bin: bins } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { bin: string | Record<string, string> };
  return join(dir, typeof bins === "string" ? bins : bins[command]);
}
const DEPCRUISE = bin("dependency-cruiser", "depcruise");
const ESLINT = bin("eslint", "eslint");
const PRETTIER = bin("prettier", "prettier");
const KNIP = bin("knip", "knip");
const ACTION_VALIDATOR = require.resolve("@action-validator/cli/cli.mjs");
const PYFLAKES = "pyflakes3"; // Debian's pyflakes for python3 (.ci/run installs it)
/** Folders no check looks into: installed packages, build and run outputs (as in .gitignore). */
const SKIPPED = new Set([".git", "node_modules", "cdktf.out", "cdktf.out.hcl", "local-aws.out", "coverage", ".gen", ".terraform", "__pycache__"]);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "lab-code-checks-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs a command; its exit status and everything it printed (stdout then stderr). */
function run(command: string, args: string[], options: SpawnSyncOptions = {}): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" }, ...options });
  if (result.error) return { status: null, output: `${command}: ${result.error.message}` };
  return { status: result.status, output: `${String(result.stdout)}${String(result.stderr)}`.trim() };
}
const node = (bin: string, args: string[], options?: SpawnSyncOptions) => run(process.execPath, [bin, ...args], options);

/** A folder of the temporary directory holding the given files. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** The project's files whose names end with `suffix`, relative to the root, outside SKIPPED folders. */
function filesEndingWith(suffix: string, dir = ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return SKIPPED.has(entry.name) ? [] : filesEndingWith(suffix, join(dir, entry.name));
    return entry.name.endsWith(suffix) ? [relative(ROOT, join(dir, entry.name))] : [];
  });
}

describe("dependency-cruiser", () => {
  it("dependency-cruiser finds every import pointing down the layers, no cycle (.dependency-cruiser.cjs)", () => {
    expect(node(DEPCRUISE, [".", "--config", ".dependency-cruiser.cjs", "--output-type", "err", "--no-progress"])).toEqual({
      status: 0,
      output: expect.stringMatching(/^✔ no dependency violations found/) as string,
    });
  }, 300_000);

  it("dependency-cruiser fails on an upward import and on a command imported by a library, naming each rule", () => {
    const dir = folder("depcruise", {
      "tsconfig.json": JSON.stringify({ compilerOptions: { module: "commonjs", strict: true }, include: ["**/*.ts"] }),
      "aws/limits.ts": 'import { LabBucket } from "../constructs/lab-bucket";\nexport const bucket = LabBucket;\n',
      "constructs/lab-bucket.ts": 'import { main } from "../scripts/plan";\nexport const LabBucket = main;\n',
      "scripts/plan.ts": "export const main = 1;\n",
    });
    const result = node(DEPCRUISE, [".", "--config", join(ROOT, ".dependency-cruiser.cjs"), "--output-type", "err", "--no-progress"], { cwd: dir });
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/error aws-imports-only-below-it: aws\/limits\.ts → constructs\/lab-bucket\.ts/);
    expect(result.output).toMatch(/error no-import-of-a-command: constructs\/lab-bucket\.ts → scripts\/plan\.ts/);
  }, 60_000);
});

describe("eslint", () => {
  it("eslint finds no problem in the tree (eslint.config.mjs)", () => {
    const cache = ["--cache", "--cache-strategy", "content", "--cache-location", join(CACHE, "eslint") + "/"];
    expect(node(ESLINT, [".", ...cache])).toEqual({ status: 0, output: "" });
  }, 300_000);

  it("eslint fails on a floating promise, naming the rule (the type-aware rules are on)", () => {
    // A folder of its own with a tiny tsconfig.json: the project service types the file from it (about 2 s of CPU, not the whole tree's program).
    const dir = folder("eslint", {
      "tsconfig.json": JSON.stringify({ compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022"], types: [], noEmit: true }, include: ["*.ts"] }),
      "bad.ts": "Promise.resolve(1);\n",
    });
    const result = node(ESLINT, ["-c", join(ROOT, "eslint.config.mjs"), "bad.ts"], { cwd: dir });
    expect(result).toEqual({
      status: 1,
      output: expect.stringMatching(/bad\.ts\n\s+1:1\s+error\s+Promises must be awaited.*@typescript-eslint\/no-floating-promises/) as string,
    });
  }, 60_000);
});

describe("prettier", () => {
  it("prettier finds every file formatted (.prettierrc.json, .prettierignore)", () => {
    expect(node(PRETTIER, ["--check", ".", "--log-level", "warn", "--cache"])).toEqual({ status: 0, output: "" });
  }, 300_000);

  it("prettier fails on a file in another style, naming it", () => {
    const dir = folder("prettier", { "bad.ts": "const greeting = 'single quotes, no semicolon'\n" });
    expect(node(PRETTIER, ["--check", "bad.ts", "--config", join(ROOT, ".prettierrc.json"), "--log-level", "warn"], { cwd: dir })).toEqual({
      status: 1,
      output: "[warn] bad.ts\n[warn] Code style issues found in the above file. Run Prettier with --write to fix.",
    });
  }, 60_000);
});

describe("knip", () => {
  it("knip finds no unused file, export or dependency (knip.json)", () => {
    expect(node(KNIP, ["--no-progress", "--cache"])).toEqual({ status: 0, output: "" });
  }, 300_000);

  it("knip fails on an unused file and an unused export, naming them", () => {
    const dir = folder("knip", {
      "package.json": JSON.stringify({ name: "bad", private: true }),
      "knip.json": JSON.stringify({ entry: ["main.ts"], project: ["*.ts"] }),
      "main.ts": 'import { used } from "./lib";\nconsole.log(used);\n',
      "lib.ts": "export const used = 1;\nexport const unused = 2;\n",
      "orphan.ts": "export const orphan = 3;\n",
    });
    expect(node(KNIP, ["--no-progress"], { cwd: dir })).toEqual({
      status: 1,
      output: expect.stringMatching(/^Unused files \(1\)\norphan\.ts\s*\nUnused exports \(1\)\nunused\s+lib\.ts:2:14/) as string,
    });
  }, 60_000);
});

describe("action-validator", () => {
  const workflows = filesEndingWith(".yml").filter((f) => f.startsWith(join(".github", "workflows")));

  it("action-validator finds every GitHub workflow valid (.github/workflows/*.yml)", () => {
    expect(workflows.length).toBeGreaterThan(0);
    // It takes one file per run (about 0.2 s each).
    expect(workflows.map((f) => ({ file: f, ...node(ACTION_VALIDATOR, [f]) }))).toEqual(workflows.map((f) => ({ file: f, status: 0, output: "" })));
  }, 60_000);

  it("action-validator fails on a job with a misspelt key, naming it", () => {
    const dir = folder("action-validator", {
      "bad.yml": "name: bad\non: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    step:\n      - run: echo hello\n",
    });
    expect(node(ACTION_VALIDATOR, [join(dir, "bad.yml")])).toEqual({
      status: 1,
      output: expect.stringContaining(`"detail": "Additional property 'step' is not allowed"`) as string,
    });
  }, 60_000);
});

describe("pyflakes", () => {
  it("pyflakes finds no problem in the Python files (every .py file)", () => {
    const files = filesEndingWith(".py");
    expect(files.length).toBeGreaterThan(0);
    expect(run(PYFLAKES, files)).toEqual({ status: 0, output: "" });
  }, 60_000);

  it("pyflakes fails on an unused import, naming it", () => {
    const dir = folder("pyflakes", { "bad.py": "import os\n" });
    expect(run(PYFLAKES, ["bad.py"], { cwd: dir })).toEqual({ status: 1, output: "bad.py:1:1: 'os' imported but unused" });
  }, 60_000);
});
