/** The two ways to synthesize the lab (npm run synth, the cdktf CLI) agree, and both stop on bad settings. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..");
const STACK_FILE = join("stacks", "streaming-lab", "cdk.tf.json");

function run(command: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(command, args, { cwd: root, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env } });
}

/**
 * The command `npm run synth` runs, from package.json, run as npm runs it (sh -c) but without npm's
 * own start (about 0.4 s of CPU each): the first test proves npm runs it.
 */
const SYNTH_SCRIPT: string = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.synth;
const synthScript = (env: Record<string, string>) => run("sh", ["-c", SYNTH_SCRIPT], env);

describe("synth commands", () => {
  const direct = mkdtempSync(join(tmpdir(), "lab-synth-direct-"));
  const viaCli = mkdtempSync(join(tmpdir(), "lab-synth-cli-"));

  it("npm run synth writes the stack", () => {
    const result = run("npm", ["run", "-s", "synth"], { CDKTF_OUTDIR: direct });
    expect(result.status).toBe(0);
    expect(existsSync(join(direct, STACK_FILE))).toBe(true);
    expect(result.stderr).not.toContain("warning:");
  });

  it("npm run synth of the legacy engine prints the discontinued-service warning", () => {
    const out = mkdtempSync(join(tmpdir(), "lab-synth-legacy-"));
    const result = synthScript({ CDKTF_OUTDIR: out, LAB_ANALYTICS_ENGINE: "kinesis-analytics-sql" });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/warning: \[streaming-lab\/analytics\] .*discontinued Kinesis Data Analytics for SQL/);
  });

  it("cdktf synth, with the project's cdktf.json, writes the same stack", () => {
    const result = run(join(root, "node_modules", ".bin", "cdktf"), ["synth", "--output", viaCli]); // what npx cdktf starts, without npx's own start
    expect(result.status).toBe(0);
    expect(readFileSync(join(viaCli, STACK_FILE), "utf8")).toBe(readFileSync(join(direct, STACK_FILE), "utf8"));
  });

  it("npm run synth stops on a bad setting with its message, exit code 2 (unusable input), and writes nothing", () => {
    const out = mkdtempSync(join(tmpdir(), "lab-synth-bad-"));
    const result = synthScript({ CDKTF_OUTDIR: out, LAB_BUFFER_INTERVAL_SECONDS: "1000" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('LAB_BUFFER_INTERVAL_SECONDS = "1000" is not allowed');
    expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(existsSync(join(out, STACK_FILE))).toBe(false);
  });

  it("reuses its cached bundle of the app, and rebuilds it when one of its source files changes", () => {
    const inputs = join(root, "node_modules", ".cache", "lab-synth", "inputs.json");
    const out = mkdtempSync(join(tmpdir(), "lab-synth-cache-"));
    const synth = () => expect(synthScript({ CDKTF_OUTDIR: out }).status).toBe(0);
    synth();
    const built = statSync(inputs).mtimeMs;
    synth();
    expect(statSync(inputs).mtimeMs).toBe(built); // fresh: not rebuilt
    const source = join(root, "constructs", "physical-name.ts");
    const later = new Date(statSync(source).mtimeMs + 1000);
    utimesSync(source, later, later);
    synth();
    expect(statSync(inputs).mtimeMs).toBeGreaterThan(built);
    expect(JSON.parse(readFileSync(inputs, "utf8")).map(([file]: [string]) => file)).toEqual(
      expect.arrayContaining([join(root, "main.ts"), source, expect.stringMatching(/node_modules\/cdktf\/lib\/index\.js$/)]),
    );
  });
});
