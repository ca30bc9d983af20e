/**
 * `npm run bench`: how fast the project's loops are, against the usual CDKTF setup, in one run.
 *
 *   npm run bench -- [--runs N] [--warmup N] [--test-runs N] [--records N] [--quick] [--only ID,ID] [--out FILE]
 *
 * Measures each command as a separate process (see bench-harness.ts), prints a table, writes
 * bench.json, and exits 1 naming any budget missed or command failed. Commands of other issues
 * that are not in this checkout yet are listed as absent.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { AddressInfo, createServer } from "node:net";
import { parseArgs } from "node:util";
import { settingsFromProject } from "../config/settings";
import { exitCodeOf } from "../input/unusable-input";
import { perMillionSection } from "../costs/per-million";
import { BenchCommand, BenchGroup, Budget, finish, MB, runBenchmark } from "../bench/harness";

const ROOT = join(__dirname, "..");

export interface LabBenchOptions {
  /** Measured runs of each quick command (synths, plan, policy, generator, SQL, verifier). */
  readonly runs: number;
  /** Warm-up runs before them (not counted). */
  readonly warmup: number;
  /** Measured runs of `npm test` (no warm-up: it is long). */
  readonly testRuns: number;
  /** Measured runs of `npm start -- --records N` (no warm-up: each deploys the whole stack). */
  readonly startRuns: number;
  /** Records the generator makes and the SQL run reads, per run. */
  readonly records: number;
  /** The project's npm scripts: a command of another issue is measured only when its script exists. */
  readonly scripts: Readonly<Record<string, string>>;
  /** Where temporary output goes (synth folders, the seeded input). */
  readonly workDir: string;
  readonly stackName: string;
  readonly env: NodeJS.ProcessEnv;
}

export const DEFAULTS = { runs: 5, warmup: 1, testRuns: 2, startRuns: 2, records: 100_000 } as const;
export const QUICK = { runs: 3, warmup: 1, testRuns: 1, startRuns: 1, records: 20_000 } as const;

/** Records `npm start` sends in the benchmark (the local-run issue's figure). */
export const START_RECORDS = 5000;

/** The budgets of issues 8, 11 and 13, checked on every run of the benchmark. */
export const BUDGETS: readonly Budget[] = [
  { name: "npm run synth: median wall ≤ 1.0 s", command: "synth", metric: "medianWallMs", limit: 1000 },
  { name: "npm run synth: peak memory ≤ 200 MB (largest process)", command: "synth", metric: "maxProcessBytes", limit: 200 * MB },
  { name: "npm run synth: at least 5× faster than the cdktf init template's synth", command: "synth", metric: "speedupVsBaseline", limit: 5 },
  { name: "npm test (with the lifecycle test): median wall ≤ 180 s", command: "test", metric: "medianWallMs", limit: 180_000 },
  { name: "npm test (with the lifecycle test): median wall ≤ 150 s (issue 13)", command: "test", metric: "medianWallMs", limit: 150_000 },
  { name: "npm test: no process above 1 GB", command: "test", metric: "maxProcessBytes", limit: 1000 * MB },
  { name: "npm run plan (offline, warm): median wall ≤ 9 s", command: "plan", metric: "medianWallMs", limit: 9_000 },
  { name: `npm start -- --records ${START_RECORDS}: median wall ≤ 120 s`, command: "start", metric: "medianWallMs", limit: 120_000 },
  {
    name: "npm start: its deploy (local AWS up, synth, terraform init and apply) median ≤ 80 s",
    command: "start",
    metric: "medianPhaseMs",
    phase: "deploy",
    limit: 80_000,
  },
];

const missingScript = (name: string, issue: string) => `no npm script "${name}" in package.json yet (${issue})`;

/** The commands to measure, in alternating groups. */
export function labBench(options: LabBenchOptions): BenchGroup[] {
  const { runs, warmup, scripts, workDir, stackName } = options;
  const env = { ...options.env, CHECKPOINT_DISABLE: "1" }; // the cdktf CLI phones home otherwise
  let folders = 0;
  const freshFolder = () => mkdtempSync(join(workDir, `run-${(folders += 1)}-`));

  // Every synth must write the same cdk.tf.json, or the comparison would not be like for like.
  let reference: { label: string; hash: string } | undefined;
  const synthCommand = (
    id: string,
    label: string,
    argv: (outdir: string) => string[],
    extraEnv: (outdir: string) => NodeJS.ProcessEnv = () => ({}),
  ): BenchCommand => ({
    id,
    label,
    warmup,
    runs,
    baseline: id === "synth-template" ? undefined : "synth-template",
    invocation: () => {
      const outdir = join(freshFolder(), "cdktf.out");
      return {
        argv: argv(outdir),
        env: { ...env, ...extraEnv(outdir) },
        cwd: ROOT,
        after: () => {
          const file = join(outdir, "stacks", stackName, "cdk.tf.json");
          if (!existsSync(file)) throw new Error(`${label} wrote no ${join("stacks", stackName, "cdk.tf.json")}`);
          const hash = createHash("sha256").update(readFileSync(file)).digest("hex");
          rmSync(join(outdir, ".."), { recursive: true, force: true });
          reference ??= { label, hash };
          if (hash !== reference.hash) throw new Error(`${label} wrote a different cdk.tf.json than ${reference.label}`);
        },
      };
    },
  });

  const generator = join("generator", "generator.py");
  // The input the generator makes once, for the commands that read records (not timed).
  let seeded: string | undefined;
  const seededInput = (): string => {
    if (seeded) return seeded;
    seeded = join(workDir, `generated-${options.records}.ndjson`);
    process.stderr.write(`  seeding ${options.records.toLocaleString("en-US")} generated records into a temporary file\n`);
    const out = openSync(seeded, "w");
    const result = spawnSync("python3", [generator, "--dry-run", "--rate", "0", "--seed", "1", "--count", String(options.records)], {
      cwd: ROOT,
      stdio: ["ignore", out, "pipe"],
      encoding: "utf8",
    });
    closeSync(out);
    if (result.status !== 0) throw new Error(`seeding records with the generator failed: ${result.error?.message ?? result.stderr}`);
    return seeded;
  };

  const planFile = join("cdktf.out", "stacks", stackName, "plan.json");
  return [
    {
      title: "Synth of the lab stack, three ways",
      commands: [
        synthCommand(
          "synth",
          "npm run synth",
          () => ["npm", "run", "synth"],
          (outdir) => ({ CDKTF_OUTDIR: outdir }),
        ),
        synthCommand("synth-template", "cdktf synth + ts-node app (init template)", (outdir) => [
          "npx",
          "cdktf",
          "synth",
          "--app",
          "npx ts-node app.ts",
          "--output",
          outdir,
        ]),
        synthCommand("synth-cdktf", "cdktf synth (project's cdktf.json)", (outdir) => ["npx", "cdktf", "synth", "--output", outdir]),
      ],
    },
    {
      title: "The test suite (type-check, Jest, real Terraform)",
      commands: [{ id: "test", label: "npm test", warmup: 0, runs: options.testRuns, invocation: () => ({ argv: ["npm", "test"], env, cwd: ROOT }) }],
    },
    {
      title: "The whole lab on this machine (local AWS)",
      commands: [
        {
          id: "start",
          label: `npm start -- --records ${START_RECORDS}`,
          absent: scripts.start ? undefined : missingScript("start", "issue 11"),
          warmup: 0,
          runs: options.startRuns,
          records: START_RECORDS,
          phases: { deploy: /^deployed: \d+ resources in ([\d.]+) s/ },
          invocation: () => ({ argv: ["npm", "start", "--", "--records", String(START_RECORDS)], env, cwd: ROOT }),
        },
      ],
    },
    {
      title: "Offline plan and the policy pack on it",
      commands: [
        {
          id: "plan",
          label: "npm run plan",
          absent: scripts.plan ? undefined : missingScript("plan", "issue 5"),
          warmup,
          runs,
          // Offline even where AWS credentials are found: the figure must not depend on an account.
          invocation: () => ({ argv: ["npm", "run", "plan"], env: { ...env, LAB_PLAN_OFFLINE: "1" }, cwd: ROOT }),
        },
        {
          id: "policy",
          label: "npm run policy -- <plan.json>",
          absent: !scripts.policy
            ? missingScript("policy", "issue 4")
            : !scripts.plan
              ? `it reads the plan.json of npm run plan, and there is ${missingScript("plan", "issue 5")}`
              : undefined,
          warmup,
          runs,
          invocation: () => ({ argv: ["npm", "run", "policy", "--", planFile], env, cwd: ROOT }),
        },
      ],
    },
    {
      title: "Records per second",
      commands: [
        {
          id: "generator",
          label: `generator.py --dry-run --rate 0 (${options.records.toLocaleString("en-US")} records)`,
          absent: existsSync(join(ROOT, generator)) ? undefined : `${generator} does not exist`,
          warmup,
          runs,
          records: options.records,
          invocation: () => ({
            argv: ["python3", generator, "--dry-run", "--rate", "0", "--seed", "1", "--count", String(options.records)],
            env,
            cwd: ROOT,
            stdoutFile: "/dev/null",
          }),
        },
        {
          id: "sql",
          label: `npm run sql -- --input <${options.records.toLocaleString("en-US")} records>`,
          absent: scripts.sql ? undefined : missingScript("sql", "issue 7"),
          warmup,
          runs,
          records: options.records,
          invocation: () => ({ argv: ["npm", "run", "--silent", "sql", "--", "--input", seededInput()], env, cwd: ROOT, stdoutFile: "/dev/null" }),
        },
      ],
    },
    verifierGroup(options, env),
  ];
}

/**
 * The verifier (issue 6) on a local S3-protocol server that issue 6's `npm run local-s3` starts
 * and seeds with `records` loss events under each prefix (untimed). That script prints the
 * command to try against it (credentials of the local server, bucket, endpoint); the benchmark
 * runs exactly that command.
 */
function verifierGroup(options: LabBenchOptions, env: NodeJS.ProcessEnv): BenchGroup {
  const { scripts, records } = options;
  let server: ChildProcess | undefined;
  let suggested: { env: NodeJS.ProcessEnv; args: string[] } | undefined;
  return {
    title: "The verifier on a local S3-protocol server",
    commands: [
      {
        id: "verify",
        label: `npm run verify (local S3, 2 × ${records.toLocaleString("en-US")} records)`,
        absent: !scripts.verify
          ? missingScript("verify", "issue 6")
          : !scripts["local-s3"]
            ? `npm run verify exists, but no npm script "local-s3" (issue 6) seeds a local S3-protocol server to run it on`
            : undefined,
        warmup: options.warmup,
        runs: options.runs,
        records: 2 * records, // every record is validated twice: as sent (source/) and as analysed (destination/)
        invocation: () => ({
          argv: ["npm", "run", "--silent", "verify", "--", ...(suggested as { args: string[] }).args],
          env: { ...env, ...suggested?.env },
          cwd: ROOT,
          stdoutFile: "/dev/null",
        }),
      },
    ],
    setUp: async (progress) => {
      const port = await freePort();
      progress.line(`  starting a local S3-protocol server with ${records.toLocaleString("en-US")} records under each prefix (npm run local-s3, not timed)`);
      server = spawn("npm", ["run", "--silent", "local-s3", "--", "--records", String(records), "--port", String(port)], {
        cwd: ROOT,
        env,
        detached: true, // its own process group, so that tearDown stops npm, the script and the server together
        stdio: ["ignore", "pipe", "inherit"],
      });
      suggested = await suggestedVerifyCommand(server);
    },
    tearDown: async () => {
      if (server?.pid !== undefined) await stopProcessGroup(server.pid);
    },
  };
}

/** Waits for `npm run local-s3` to print how to run the verifier against it: `[VAR=value ...] npm run verify -- ARGS`. */
function suggestedVerifyCommand(server: ChildProcess, timeoutMs = 10 * 60_000): Promise<{ env: NodeJS.ProcessEnv; args: string[] }> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`npm run local-s3 did not print "npm run verify -- ..." within ${timeoutMs / 60_000} minutes`)), timeoutMs);
    server.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString("utf8");
      const match = /^\s*((?:[A-Z_]+=\S+\s+)*)npm run verify -- (.+)$/m.exec(out);
      if (!match) return;
      const env = Object.fromEntries(
        match[1]
          .trim()
          .split(/\s+/)
          .filter(Boolean)
          .map((pair) => pair.split("=", 2) as [string, string]),
      );
      clearTimeout(timer);
      resolve({ env, args: match[2].trim().split(/\s+/) });
    });
    server.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`npm run local-s3 stopped (exit ${String(code)}) before saying how to run the verifier:\n${out.slice(-2000)}`));
    });
  });
}

/** Asks every process of a group this benchmark started to stop, waits until they have (their clean-up included), then kills what is left. */
async function stopProcessGroup(pgid: number, graceMs = 30_000): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) process.kill(-pgid, "SIGKILL");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const USAGE = `usage: npm run bench -- [--runs N] [--warmup N] [--test-runs N] [--start-runs N] [--records N] [--quick] [--only ID,ID] [--out FILE]
  --runs N        measured runs of each quick command (default ${DEFAULTS.runs})
  --warmup N      warm-up runs before them, not counted (default ${DEFAULTS.warmup})
  --test-runs N   measured runs of npm test, no warm-up (default ${DEFAULTS.testRuns})
  --start-runs N  measured runs of npm start -- --records ${START_RECORDS}, no warm-up (default ${DEFAULTS.startRuns})
  --records N     records per run for the records-per-second commands (default ${DEFAULTS.records})
  --quick         ${QUICK.runs} runs, ${QUICK.warmup} warm-up, ${QUICK.testRuns} npm test run, ${QUICK.startRuns} npm start run, ${QUICK.records} records
  --only ID,ID    measure only these: synth, synth-template, synth-cdktf, test, start, plan, policy, generator, sql, verify
  --out FILE     where the JSON report goes (default bench.json)`;

/** Parses the command line; throws with a message naming the option, the value and what is allowed. */
export function parseOptions(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: "string" },
      warmup: { type: "string" },
      "test-runs": { type: "string" },
      "start-runs": { type: "string" },
      records: { type: "string" },
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      out: { type: "string", default: "bench.json" },
      help: { type: "boolean", default: false },
    },
  });
  const base = values.quick ? QUICK : DEFAULTS;
  const count = (option: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min) throw new Error(`--${option} = ${JSON.stringify(raw)} is not allowed: a whole number ≥ ${min}`);
    return Number(raw);
  };
  return {
    help: values.help,
    runs: count("runs", values.runs, base.runs, 1),
    warmup: count("warmup", values.warmup, base.warmup, 0),
    testRuns: count("test-runs", values["test-runs"], base.testRuns, 1),
    startRuns: count("start-runs", values["start-runs"], base.startRuns, 1),
    records: count("records", values.records, base.records, 1),
    only: values.only
      ?.split(",")
      .map((id) => id.trim())
      .filter(Boolean),
    out: values.out,
  };
}

/** A message naming the ids of `--only` that match no command, or undefined when all match. */
export function unknownIds(groups: readonly BenchGroup[], only: readonly string[] | undefined): string | undefined {
  const known = groups.flatMap((g) => g.commands.map((c) => c.id));
  const unknown = only?.filter((id) => !known.includes(id)) ?? [];
  return unknown.length > 0 ? `--only = ${JSON.stringify(unknown.join(","))} is not allowed: use ids from ${known.join(", ")}` : undefined;
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const settings = settingsFromProject();
  const { stackName } = settings;
  const { scripts } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const workDir = mkdtempSync(join(tmpdir(), "lab-bench-"));
  try {
    const groups = labBench({ ...options, scripts, workDir, stackName, env: process.env });
    const unknown = unknownIds(groups, options.only);
    if (unknown) {
      console.error(`${unknown}\n${USAGE}`);
      return 2;
    }
    const report = await runBenchmark(groups, BUDGETS, { only: options.only });
    const code = finish(report, options.out);
    console.log(`\n${perMillionSection(settings).join("\n")}`);
    return code;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(exitCodeOf(error));
    },
  );
}
