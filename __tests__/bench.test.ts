/**
 * The benchmark harness on trivial commands (quick: the real benchmark is `npm run bench`, never
 * part of `npm test`): process-tree memory, statistics, alternation, baselines, budgets, exit code.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BenchReport, Budget, checkBudgets, finish, formatReport, MB, measureOnce, Progress, quantile, runBenchmark, spread } from "../bench/harness";
import { BUDGETS, DEFAULTS, labBench, parseOptions, QUICK, unknownIds } from "../scripts/bench";
import { shortCommand } from "../bench/process-tree";

const scratch = mkdtempSync(join(tmpdir(), "lab-bench-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const node = (code: string) => ({ argv: [process.execPath, "-e", code] });
/** A child process that holds `mb` MB of touched memory for `ms` milliseconds, named by `tag`. */
const holdMemory = (mb: number, ms: number, tag: string) => `/* ${tag} */ const b = Buffer.alloc(${mb * MB}, 1); setTimeout(() => b.length, ${ms});`;

describe("statistics", () => {
  it("computes median, quartiles and range with linear interpolation", () => {
    expect(spread([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, q1: 2, q3: 4 });
    expect(spread([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, q1: 1.75, q3: 3.25 });
    expect(quantile([7], 0.5)).toBe(7);
    expect(() => quantile([], 0.5)).toThrow("quantile of no values");
  });
});

describe("measuring one process tree", () => {
  it("finds the largest process among the descendants, its command and the tree's total", async () => {
    // A parent that starts a child holding 150 MB: the child, not the parent, is the largest.
    const child = holdMemory(150, 400, "big-child");
    const parent = `const { spawn } = require("node:child_process"); spawn(process.execPath, ["-e", ${JSON.stringify(child)}], { stdio: "inherit" }).on("exit", (c) => process.exit(c));`;
    const result = await measureOnce(node(parent));
    expect(result.failure).toBeUndefined();
    expect(result.wallMs).toBeGreaterThanOrEqual(400);
    expect(result.peakProcessBytes).toBeGreaterThanOrEqual(150 * MB);
    expect(result.peakProcessBytes).toBeLessThan(300 * MB);
    expect(result.largestProcess).toBe("node");
    expect(result.treePeakBytes).toBeGreaterThan(result.peakProcessBytes); // parent + child together
  });

  it("names processes as people recognise them", () => {
    expect(shortCommand(["/usr/bin/node", "-r", "./loader/register-ts.js", "main.ts"].join("\0"))).toBe("node main.ts");
    expect(shortCommand(["node", "/x/node_modules/.bin/ts-node", "main.ts"].join("\0"))).toBe("node ts-node main.ts");
    expect(shortCommand(["python3", "generator/generator.py", "--rate", "0"].join("\0"))).toBe("python3 generator.py");
    expect(shortCommand(["node", "-e", "require('/x/y')"].join("\0"))).toBe("node");
    expect(shortCommand(".terraform/providers/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws_v5.100.0_x5")).toBe(
      "terraform-provider-aws_v5.100.0_x5",
    );
    expect(shortCommand("npm run policy -- cdktf.out/stacks/x/plan.json")).toBe("npm run policy");
  });
});

describe("phases a command times itself", () => {
  const phases = { deploy: /^deployed in ([\d.]+) s$/ };

  it("are read from the command's output, and checked against their budget", async () => {
    const run = await measureOnce(node("console.log('warming up'); console.error('deployed in 1.25 s'); console.log('done')"), undefined, phases);
    expect(run).toEqual(expect.objectContaining({ failure: undefined, phaseMs: { deploy: 1250 } }));
    const report = await runBenchmark(
      [{ title: "timed", commands: [{ id: "timed", label: "timed", warmup: 0, runs: 1, phases, invocation: () => node("console.log('deployed in 2.5 s')") }] }],
      [
        { name: "deploy ≤ 3 s", command: "timed", metric: "medianPhaseMs", phase: "deploy", limit: 3000 },
        { name: "deploy ≤ 2 s", command: "timed", metric: "medianPhaseMs", phase: "deploy", limit: 2000 },
      ],
      { progress: new Progress({ write: () => undefined, isTTY: false }) },
    );
    expect(report.budgets.map((b) => [b.name, b.status, b.detail])).toEqual([
      ["deploy ≤ 3 s", "met", "2.50 s (at most 3.00 s)"],
      ["deploy ≤ 2 s", "missed", "2.50 s (at most 2.00 s)"],
    ]);
    expect(formatReport(report)).toContain("- timed: its deploy took 2.50 s median (2.50 s – 2.50 s)");
  });

  it("fail a run that does not print them", async () => {
    const run = await measureOnce(node("console.log('deployed, somehow')"), undefined, phases);
    expect(run.failure).toBe("it printed no time for deploy");
  });
});

describe("a benchmark run on trivial commands", () => {
  const lines: string[] = [];
  const progress = new Progress({ write: (s: string) => lines.push(s), isTTY: false });
  let report: BenchReport;
  const budgets: Budget[] = [
    { name: "fast: median wall ≤ 60 s", command: "fast", metric: "medianWallMs", limit: 60_000 },
    { name: "fast: at least 1.2× faster than slow", command: "fast", metric: "speedupVsBaseline", limit: 1.2 },
    { name: "fast: at least 1000× faster than slow", command: "fast", metric: "speedupVsBaseline", limit: 1000 },
    { name: "hungry: no process above 50 MB", command: "hungry", metric: "maxProcessBytes", limit: 50 * MB },
    { name: "broken: median wall ≤ 60 s", command: "broken", metric: "medianWallMs", limit: 60_000 },
    { name: "future: median wall ≤ 1 s", command: "future", metric: "medianWallMs", limit: 1000 },
    { name: "after broken: at least 1× faster than broken", command: "after-broken", metric: "speedupVsBaseline", limit: 1 },
    { name: "after future: at least 1× faster than future", command: "after-future", metric: "speedupVsBaseline", limit: 1 },
  ];
  let brokenInvocations = 0;
  let served = "";
  const tornDown: string[] = [];

  beforeAll(async () => {
    report = await runBenchmark(
      [
        {
          title: "pair",
          commands: [
            { id: "fast", label: "fast", warmup: 1, runs: 3, baseline: "slow", records: 1000, invocation: () => node("") },
            { id: "slow", label: "slow", warmup: 1, runs: 3, invocation: () => node("setTimeout(() => {}, 300)") },
          ],
        },
        {
          title: "served",
          setUp: async () => {
            served = "ready";
          },
          tearDown: async () => {
            tornDown.push("served");
          },
          commands: [{ id: "client", label: "client", warmup: 0, runs: 1, invocation: () => node(`process.exit(${served === "ready" ? 0 : 5})`) }],
        },
        {
          title: "unservable",
          setUp: async () => {
            throw new Error("no free port");
          },
          tearDown: async () => {
            tornDown.push("unservable");
          },
          commands: [{ id: "stranded", label: "stranded", warmup: 0, runs: 1, invocation: () => node("") }],
        },
        {
          title: "others",
          commands: [
            { id: "hungry", label: "hungry", warmup: 0, runs: 1, invocation: () => node(holdMemory(80, 200, "hungry")) },
            {
              id: "broken",
              label: "broken",
              warmup: 0,
              runs: 3,
              invocation: () => ((brokenInvocations += 1), node("console.error('no such thing'); process.exit(3)")),
            },
            {
              id: "unprepared",
              label: "unprepared",
              warmup: 0,
              runs: 1,
              invocation: () => {
                throw new Error("cannot seed the input");
              },
            },
            {
              id: "wrong-output",
              label: "wrong output",
              warmup: 0,
              runs: 1,
              invocation: () => ({
                ...node(""),
                after: () => {
                  throw new Error("wrote nothing");
                },
              }),
            },
            { id: "future", label: "future", warmup: 1, runs: 3, absent: 'no npm script "future" yet' },
            { id: "after-broken", label: "after broken", warmup: 0, runs: 1, baseline: "broken", invocation: () => node("") },
            { id: "after-future", label: "after future", warmup: 0, runs: 1, baseline: "future", invocation: () => node("") },
          ],
        },
      ],
      budgets,
      { progress },
    );
  });

  const command = (id: string) => report.commands.find((c) => c.id === id)!;

  it("warms up, then alternates the commands of a group run by run", () => {
    const pair = lines.map((l) => /^ {2}(fast|slow) +(warm-up|run) (\d\/\d)/.exec(l)?.slice(1).join(" ")).filter(Boolean);
    expect(pair).toEqual([
      "fast warm-up 1/1",
      "slow warm-up 1/1",
      "fast run 1/3",
      "slow run 1/3",
      "fast run 2/3",
      "slow run 2/3",
      "fast run 3/3",
      "slow run 3/3",
    ]);
  });

  it("keeps only the measured runs and summarizes them", () => {
    const fast = command("fast");
    const slow = command("slow");
    expect(fast.runs).toHaveLength(3);
    expect(slow.summary!.wallMs.median).toBeGreaterThanOrEqual(300);
    const walls = fast.runs.map((r) => r.wallMs).sort((a, b) => a - b);
    expect(fast.summary!.wallMs).toEqual(expect.objectContaining({ median: walls[1], min: walls[0], max: walls[2] }));
    expect(fast.summary!.recordsPerSecond).toBeCloseTo(1000 / (walls[1] / 1000));
    expect(fast.summary!.speedupVsBaseline).toBeCloseTo(slow.summary!.wallMs.median / walls[1]);
    expect(command("hungry").summary!.peakProcessBytes.max).toBeGreaterThanOrEqual(80 * MB);
  });

  it("reports a failing command with its exit and output, and does not run it again", () => {
    expect(command("broken")).toEqual(expect.objectContaining({ status: "failed", runs: [] }));
    expect(command("broken").reason).toMatch(/^exit 3: .*no such thing \(all it printed: .+\)$/);
    const log = /\(all it printed: (.+)\)$/.exec(command("broken").reason!)![1];
    expect(readFileSync(log, "utf8")).toBe("no such thing\n");
    expect(brokenInvocations).toBe(1);
    expect(command("wrong-output")).toEqual(expect.objectContaining({ status: "failed", reason: "wrote nothing" }));
    expect(command("unprepared")).toEqual(expect.objectContaining({ status: "failed", reason: "cannot seed the input" }));
    expect(report.failed).toEqual(["stranded", "broken", "unprepared", "wrong output"]);
  });

  it("sets up before a group's runs and tears down after, also when the set-up fails", () => {
    expect(command("client").status).toBe("measured");
    expect(command("stranded")).toEqual(expect.objectContaining({ status: "failed", reason: "set-up failed: no free port" }));
    expect(tornDown).toEqual(["served", "unservable"]);
  });

  it("lists an absent command as absent, never with a number", () => {
    expect(command("future")).toEqual(expect.objectContaining({ status: "absent", reason: 'no npm script "future" yet', runs: [] }));
    expect(command("future").summary).toBeUndefined();
  });

  it("checks every budget: met, missed (by figure or by failure), not checked when absent", () => {
    const status = Object.fromEntries(report.budgets.map((b) => [b.name, b.status]));
    // Two node start-ups on a loaded machine can differ by more than slow's 300 ms, so the 1.2× budget
    // is judged against the speed-up actually measured; the case below checks it with fixed figures.
    const speedup = command("fast").summary!.speedupVsBaseline!;
    expect(status).toEqual({
      "fast: median wall ≤ 60 s": "met",
      "fast: at least 1.2× faster than slow": speedup >= 1.2 ? "met" : "missed",
      "fast: at least 1000× faster than slow": "missed",
      "hungry: no process above 50 MB": "missed",
      "broken: median wall ≤ 60 s": "missed",
      "future: median wall ≤ 1 s": "not checked",
      "after broken: at least 1× faster than broken": "missed",
      "after future: at least 1× faster than future": "not checked",
    });
    expect(report.budgets.find((b) => b.command === "after-broken")!.detail).toMatch(/^its baseline broken failed: exit 3/);
    expect(report.budgets.find((b) => b.name === "broken: median wall ≤ 60 s")!.detail).toMatch(/^broken failed: exit 3/);
    expect(report.missed).toEqual([
      "fast: at least 1000× faster than slow",
      "hungry: no process above 50 MB",
      "broken: median wall ≤ 60 s",
      "after broken: at least 1× faster than broken",
    ]);
  });

  it("prints a table and the budgets, writes the JSON report and exits 1 naming what missed", () => {
    const out = join(scratch, "bench.json");
    const printed: string[] = [];
    expect(finish(report, out, (t) => printed.push(t))).toBe(1);
    const text = printed.join("\n");
    expect(text).toMatch(/^\| command +\| runs +\| wall median/m);
    expect(text).toMatch(/^\| future +\| absent +\|/m);
    expect(text).toMatch(/^\| fast +\| 3 +\| .*× faster/m);
    expect(text).toContain("budget missed: hungry: no process above 50 MB");
    expect(text).toContain("command failed: broken");
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  /** fast as measured, with a fixed speed-up over slow so that the budgets' verdicts do not hang on the machine's load. */
  const fastBy = (speedupVsBaseline: number) => {
    const fast = command("fast");
    return { ...fast, summary: { ...fast.summary!, speedupVsBaseline } };
  };

  it("meets a speed-up budget at or above its limit and misses it below", () => {
    const verdicts = (speedup: number) => checkBudgets([fastBy(speedup), command("slow")], budgets.slice(1, 2)).map((b) => [b.status, b.detail]);
    expect(verdicts(1.2)).toEqual([["met", expect.stringMatching(/^1\.20× \(at least 1\.20×\)/)]]);
    expect(verdicts(1.19)).toEqual([["missed", expect.stringMatching(/^1\.19× \(at least 1\.20×\)/)]]);
  });

  it("exits 0 when every budget is met and every command ran", () => {
    const commands = [fastBy(3), command("slow")];
    const clean: BenchReport = {
      ...report,
      commands,
      budgets: checkBudgets(commands, budgets.slice(0, 2)),
      missed: [],
      failed: [],
    };
    expect(clean.budgets.every((b) => b.status === "met")).toBe(true);
    const out = join(scratch, "clean-bench.json");
    expect(finish(clean, out, () => undefined)).toBe(0);
    expect(formatReport(clean)).toContain("- fast is compared with slow, measured alternately in the same run");
  });
});

describe("the lab's benchmark plan", () => {
  const base = { ...DEFAULTS, workDir: scratch, stackName: "streaming-lab", env: {} };
  const ids = (scripts: Record<string, string>) =>
    Object.fromEntries(
      labBench({ ...base, scripts })
        .flatMap((g) => g.commands)
        .map((c) => [c.id, c.absent ?? "present"]),
    );

  it("measures the synths, the tests and the generator, and lists the other issues' commands as absent until they land", () => {
    expect(ids({ synth: "x", test: "x" })).toEqual({
      synth: "present",
      "synth-template": "present",
      "synth-cdktf": "present",
      test: "present",
      start: 'no npm script "start" in package.json yet (issue 11)',
      plan: 'no npm script "plan" in package.json yet (issue 5)',
      policy: 'no npm script "policy" in package.json yet (issue 4)',
      generator: "present",
      sql: 'no npm script "sql" in package.json yet (issue 7)',
      verify: 'no npm script "verify" in package.json yet (issue 6)',
    });
  });

  it("measures plan, policy and sql once their scripts exist; the verifier needs its seeding script too", () => {
    const found = ids({ plan: "x", policy: "x", sql: "x", verify: "x" });
    expect([found.plan, found.policy, found.sql]).toEqual(["present", "present", "present"]);
    expect(found.verify).toBe('npm run verify exists, but no npm script "local-s3" (issue 6) seeds a local S3-protocol server to run it on');
    expect(ids({ verify: "x", "local-s3": "x" }).verify).toBe("present");
    expect(ids({ policy: "x" }).policy).toBe('it reads the plan.json of npm run plan, and there is no npm script "plan" in package.json yet (issue 5)');
  });

  it("runs the template baseline as cdktf synth with a type-checking ts-node app on the same main.ts", () => {
    const template = labBench({ ...base, scripts: {} })[0].commands.find((c) => c.id === "synth-template")!;
    const { argv, env } = template.invocation!();
    expect(argv.slice(0, 5)).toEqual(["npx", "cdktf", "synth", "--app", "npx ts-node app.ts"]);
    expect(env).toEqual(expect.objectContaining({ CHECKPOINT_DISABLE: "1" }));
    expect(labBench({ ...base, scripts: {} })[0].commands.map((c) => c.baseline)).toEqual(["synth-template", undefined, "synth-template"]);
  });

  it("holds the issue's budgets", () => {
    expect(BUDGETS.map((b) => [b.command, b.metric, b.limit])).toEqual([
      ["synth", "medianWallMs", 1000],
      ["synth", "maxProcessBytes", 200 * MB],
      ["synth", "speedupVsBaseline", 5],
      ["test", "medianWallMs", 180_000],
      ["test", "medianWallMs", 150_000],
      ["test", "maxProcessBytes", 1000 * MB],
      ["plan", "medianWallMs", 9_000],
      ["start", "medianWallMs", 120_000],
      ["start", "medianPhaseMs", 80_000],
    ]);
    expect(BUDGETS.find((b) => b.metric === "medianPhaseMs")!.phase).toBe("deploy");
  });

  it("times npm start's deploy from the line it prints", () => {
    const start = labBench({ ...base, scripts: { start: "x" } })
      .flatMap((g) => g.commands)
      .find((c) => c.id === "start")!;
    expect(start.invocation!().argv).toEqual(["npm", "start", "--", "--records", "5000"]);
    expect(start.phases!.deploy.exec("deployed: 43 resources in 71.4 s (local AWS 2.0 s, synth 1.1 s, init 0.9 s, apply 67.4 s)")![1]).toBe("71.4");
  });

  it("parses its options, refusing bad values with the option, the value and what is allowed", () => {
    expect(parseOptions([])).toEqual(expect.objectContaining({ ...DEFAULTS, out: "bench.json" }));
    expect(parseOptions(["--quick", "--runs", "4"])).toEqual(expect.objectContaining({ ...QUICK, runs: 4 }));
    expect(parseOptions(["--only", "synth, test"]).only).toEqual(["synth", "test"]);
    expect(() => parseOptions(["--runs", "0"])).toThrow('--runs = "0" is not allowed: a whole number ≥ 1');
    expect(() => parseOptions(["--records", "lots"])).toThrow('--records = "lots" is not allowed: a whole number ≥ 1');
  });

  it("refuses --only ids that match no command, naming them and the ids allowed", () => {
    const groups = labBench({ ...base, scripts: {} });
    expect(unknownIds(groups, ["synth", "test"])).toBeUndefined();
    expect(unknownIds(groups, ["synth", "synht"])).toBe(
      '--only = "synht" is not allowed: use ids from synth, synth-template, synth-cdktf, test, start, plan, policy, generator, sql, verify',
    );
  });

  it("exits 2 with the usage on a bad option, before measuring anything", () => {
    const result = spawnSync(process.execPath, ["-r", "./loader/register-ts.js", "scripts/bench.ts", "--runs", "many"], {
      cwd: join(__dirname, ".."),
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--runs = "many" is not allowed: a whole number ≥ 1');
    expect(result.stderr).toContain("usage: npm run bench --");
    expect(result.stdout).toBe("");
  });
});
