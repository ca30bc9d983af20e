/**
 * A small benchmark harness: runs commands as separate processes, a few warm-up runs and then N
 * measured runs each, alternating the commands of a group so that a baseline and the command
 * compared with it see the same machine load; reports median and spread of wall time and peak
 * memory, ratios to baselines and records per second; checks budgets.
 *
 * Wall time: process.hrtime from spawn to exit. Memory: see process-tree.ts (per-process peak
 * resident set over the whole process tree, and the tree's peak total).
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, writeFileSync } from "node:fs";
import { arch, cpus, loadavg, release, tmpdir, totalmem, type } from "node:os";
import { join } from "node:path";
import { canSampleProcessTrees, ProcessTreeSampler, TreeMemory } from "./process-tree";

/** What one run executes. */
export interface Invocation {
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Where the command's standard output goes (e.g. /dev/null or a file); captured otherwise. */
  readonly stdoutFile?: string;
  /** Checks what the run produced and cleans up; throwing fails the run with that message. */
  readonly after?: () => void;
}

export interface BenchCommand {
  /** Key in bench.json and in `--only`, e.g. "synth". */
  readonly id: string;
  /** What a person would type, e.g. "npm run synth". */
  readonly label: string;
  /** Why the command cannot run here (it does not exist yet); it is then listed, not measured. */
  readonly absent?: string;
  /** Builds one run (called before every run, so each can get fresh temporary folders). */
  readonly invocation?: () => Invocation;
  readonly warmup: number;
  readonly runs: number;
  /** Records each run handles, for records per second. */
  readonly records?: number;
  /** Id of the command this one is compared with (its ratios are baseline / this). */
  readonly baseline?: string;
  /** Parts of a run the command times itself, by name: a pattern of its output whose first group is seconds. */
  readonly phases?: Readonly<Record<string, RegExp>>;
}

/** Commands whose runs alternate: run 1 of each, then run 2 of each, ... */
export interface BenchGroup {
  readonly title: string;
  readonly commands: readonly BenchCommand[];
  /** Prepares what the commands need (e.g. starts a server), untimed; throwing fails every command of the group. */
  readonly setUp?: (progress: Progress) => Promise<void>;
  /** Undoes setUp, after the last run (also when a run failed). */
  readonly tearDown?: () => Promise<void>;
}

type Metric = "medianWallMs" | "maxProcessBytes" | "speedupVsBaseline" | "medianPhaseMs";

export interface Budget {
  /** Says the rule in words, e.g. "npm run synth: median wall ≤ 1.0 s". */
  readonly name: string;
  readonly command: string;
  readonly metric: Metric;
  /** For medianPhaseMs: which of the command's phases. */
  readonly phase?: string;
  /** At most this (wall, memory) or at least this (speedup). */
  readonly limit: number;
}

export interface RunResult {
  readonly wallMs: number;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly peakProcessBytes: number;
  readonly largestProcess: string;
  readonly treePeakBytes: number;
  /** The command's own timings of its phases, in ms. */
  readonly phaseMs?: Readonly<Record<string, number>>;
  /** Why the run failed (exit status or a failed output check); undefined when it succeeded. */
  readonly failure?: string;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly q1: number;
  readonly q3: number;
}

interface CommandSummary {
  readonly wallMs: Spread;
  readonly peakProcessBytes: Spread;
  /** The command line of the largest process in the run with the largest one. */
  readonly largestProcess: string;
  readonly treePeakBytes: Spread;
  readonly phaseMs?: Readonly<Record<string, Spread>>;
  readonly recordsPerSecond?: number;
  /** Baseline median wall / this median wall, and the same for the per-process peak. */
  readonly speedupVsBaseline?: number;
  readonly memoryRatioVsBaseline?: number;
}

export interface CommandReport {
  readonly id: string;
  readonly label: string;
  readonly status: "measured" | "failed" | "absent" | "not run";
  readonly reason?: string;
  readonly baseline?: string;
  readonly records?: number;
  readonly warmup: number;
  readonly runs: readonly RunResult[];
  readonly summary?: CommandSummary;
}

export interface BudgetResult extends Budget {
  readonly actual?: number;
  readonly status: "met" | "missed" | "not checked";
  readonly detail: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: Machine;
  readonly commands: readonly CommandReport[];
  readonly budgets: readonly BudgetResult[];
  /** Names of the budgets missed and labels of the commands that failed: any makes the benchmark exit 1. */
  readonly missed: readonly string[];
  readonly failed: readonly string[];
}

interface Machine {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average at the start and end: a busy machine makes every figure slower. */
  readonly loadAverage: { readonly start: number; readonly end: number };
}

export const MB = 1_000_000;

/** Linear-interpolation quantile of sorted values (q from 0 to 1). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile of no values");
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
  };
}

/** Runs one invocation as a separate process, sampling its process tree until it exits. */
export function measureOnce(invocation: Invocation, onTick?: (elapsedMs: number) => void, phases: Readonly<Record<string, RegExp>> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const stdoutFd = invocation.stdoutFile ? openSync(invocation.stdoutFile, "w") : undefined;
    const printed: string[] = []; // all of it: its end explains a failure, and the whole goes to a file
    let unread = "";
    const phaseMs: Record<string, number> = {};
    const keep = (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      printed.push(text);
      unread += text;
      const lines = unread.split("\n");
      unread = lines.pop() ?? "";
      for (const line of lines) {
        for (const [phase, pattern] of Object.entries(phases)) {
          const match = pattern.exec(line);
          if (match) phaseMs[phase] = Number(match[1]) * 1000;
        }
      }
    };
    const [program, ...args] = invocation.argv;
    const started = process.hrtime.bigint();
    const child = spawn(program, args, {
      cwd: invocation.cwd,
      env: invocation.env ?? process.env,
      stdio: ["ignore", stdoutFd ?? "pipe", "pipe"],
    });
    if (stdoutFd !== undefined) closeSync(stdoutFd); // the child holds its own copy
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const sampler = child.pid === undefined ? undefined : new ProcessTreeSampler(child.pid).start();
    const ticker = onTick ? setInterval(() => onTick(Number(process.hrtime.bigint() - started) / 1e6), 1000) : undefined;
    child.on("error", (error) => {
      sampler?.stop();
      if (ticker) clearInterval(ticker);
      reject(new Error(`cannot run ${invocation.argv.join(" ")}: ${error.message}`));
    });
    child.on("exit", (exitCode, signal) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const memory: TreeMemory = sampler?.stop() ?? { largest: undefined, treePeakRssBytes: 0, processes: 0, samples: 0 };
      if (ticker) clearInterval(ticker);
      child.on("close", () => {
        let failure: string | undefined;
        const untimed = Object.keys(phases).filter((phase) => !(phase in phaseMs));
        if (exitCode !== 0) {
          const output = printed.join("");
          const log = join(mkdtempSync(join(tmpdir(), "lab-bench-failed-")), "output.log");
          writeFileSync(log, output);
          failure = `exit ${String(exitCode ?? signal)}: ${output.trim().split("\n").slice(-5).join(" | ")} (all it printed: ${log})`;
        } else if (untimed.length > 0) {
          failure = `it printed no time for ${untimed.join(", ")}`;
        } else {
          try {
            invocation.after?.();
          } catch (error) {
            failure = (error as Error).message;
          }
        }
        resolve({
          wallMs,
          exitCode,
          signal,
          peakProcessBytes: memory.largest?.peakRssBytes ?? 0,
          largestProcess: memory.largest?.command ?? "",
          treePeakBytes: memory.treePeakRssBytes,
          ...(Object.keys(phases).length > 0 ? { phaseMs } : {}),
          failure,
        });
      });
    });
  });
}

function summarize(runs: readonly RunResult[], records: number | undefined): CommandSummary {
  const wallMs = spread(runs.map((r) => r.wallMs));
  const largestRun = runs.reduce((a, b) => (b.peakProcessBytes > a.peakProcessBytes ? b : a));
  return {
    wallMs,
    peakProcessBytes: spread(runs.map((r) => r.peakProcessBytes)),
    largestProcess: largestRun.largestProcess,
    treePeakBytes: spread(runs.map((r) => r.treePeakBytes)),
    ...(runs[0].phaseMs ? { phaseMs: Object.fromEntries(Object.keys(runs[0].phaseMs).map((p) => [p, spread(runs.map((r) => r.phaseMs?.[p] ?? NaN))])) } : {}),
    recordsPerSecond: records === undefined ? undefined : records / (wallMs.median / 1000),
  };
}

function withRatios(reports: CommandReport[]): CommandReport[] {
  const byId = new Map(reports.map((r) => [r.id, r]));
  return reports.map((report) => {
    const baseline = report.baseline ? byId.get(report.baseline)?.summary : undefined;
    if (!report.summary || !baseline) return report;
    return {
      ...report,
      summary: {
        ...report.summary,
        speedupVsBaseline: baseline.wallMs.median / report.summary.wallMs.median,
        memoryRatioVsBaseline: baseline.peakProcessBytes.max / report.summary.peakProcessBytes.max,
      },
    };
  });
}

function formatLimit(metric: Metric, value: number): string {
  if (metric === "medianWallMs" || metric === "medianPhaseMs") return formatSeconds(value);
  if (metric === "maxProcessBytes") return formatMB(value);
  return `${value.toFixed(2)}×`;
}

/** Checks each budget against the report's figures; a failed or missing command misses its budget. */
export function checkBudgets(commands: readonly CommandReport[], budgets: readonly Budget[]): BudgetResult[] {
  return budgets.map((budget) => {
    const command = commands.find((c) => c.id === budget.command);
    if (!command || command.status === "absent" || command.status === "not run") {
      return { ...budget, status: "not checked", detail: `${budget.command} was ${command ? command.status : "not defined"}` };
    }
    if (command.status === "failed" || !command.summary) {
      return { ...budget, status: "missed", detail: `${command.label} failed: ${command.reason ?? "no successful run"}` };
    }
    const s = command.summary;
    if (budget.metric === "speedupVsBaseline") {
      const baseline = commands.find((c) => c.id === command.baseline);
      if (!baseline || baseline.status === "absent" || baseline.status === "not run") {
        return { ...budget, status: "not checked", detail: `its baseline ${command.baseline ?? "(none)"} was ${baseline ? baseline.status : "not defined"}` };
      }
      if (s.speedupVsBaseline === undefined) {
        return { ...budget, status: "missed", detail: `its baseline ${baseline.label} failed: ${baseline.reason ?? "no successful run"}` };
      }
    }
    if (budget.metric === "medianPhaseMs" && s.phaseMs?.[budget.phase ?? ""] === undefined) {
      return { ...budget, status: "missed", detail: `${command.label} has no phase ${JSON.stringify(budget.phase)}` };
    }
    const actual =
      budget.metric === "medianWallMs"
        ? s.wallMs.median
        : budget.metric === "medianPhaseMs"
          ? (s.phaseMs as Record<string, Spread>)[budget.phase as string].median
          : budget.metric === "maxProcessBytes"
            ? s.peakProcessBytes.max
            : (s.speedupVsBaseline as number);
    const met = budget.metric === "speedupVsBaseline" ? actual >= budget.limit : actual <= budget.limit;
    const word = budget.metric === "speedupVsBaseline" ? "at least" : "at most";
    return {
      ...budget,
      actual,
      status: met ? "met" : "missed",
      detail: `${formatLimit(budget.metric, actual)} (${word} ${formatLimit(budget.metric, budget.limit)})`,
    };
  });
}

export interface RunOptions {
  /** Run only these command ids (others are reported as "not run"). */
  readonly only?: readonly string[];
  /** Progress lines (to stderr by default). */
  readonly progress?: Progress;
}

/** Prints what is running; on a terminal, one line per run updated with the elapsed time. */
export class Progress {
  constructor(private readonly stream: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean } = process.stderr) {}

  private get live(): boolean {
    return Boolean(this.stream.isTTY);
  }

  line(text: string): void {
    this.stream.write(`${text}\n`);
  }

  tick(prefix: string, elapsedMs: number): void {
    if (this.live) this.stream.write(`\r\x1b[2K${prefix} ${formatSeconds(elapsedMs)}…`);
  }

  done(prefix: string, result: RunResult): void {
    const text = `${prefix} ${formatSeconds(result.wallMs)}, largest process ${formatMB(result.peakProcessBytes)}${result.failure ? `  FAILED: ${result.failure}` : ""}`;
    this.stream.write(this.live ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }
}

/** Runs every group (warm-up, then alternating measured runs) and checks the budgets. */
export async function runBenchmark(groups: readonly BenchGroup[], budgets: readonly Budget[], options: RunOptions = {}): Promise<BenchReport> {
  if (!canSampleProcessTrees()) {
    throw new Error("this benchmark reads process trees from /proc/<pid>/task/<tid>/children: it needs Linux");
  }
  const progress = options.progress ?? new Progress();
  const startedAt = new Date();
  const loadStart = loadAverage();
  const reports: CommandReport[] = [];
  for (const group of groups) {
    const selected = group.commands.filter((c) => !options.only || options.only.includes(c.id));
    for (const command of group.commands) {
      if (command.absent) reports.push(emptyReport(command, "absent", command.absent));
      else if (!selected.includes(command)) reports.push(emptyReport(command, "not run", "not selected (--only)"));
    }
    const runnable = selected.filter((c) => !c.absent && c.invocation);
    if (runnable.length === 0) continue;
    progress.line(`${group.title}: ${runnable.map((c) => c.label).join(" / ")}`);
    const results = new Map<BenchCommand, RunResult[]>(runnable.map((c) => [c, []]));
    const failed = new Map<BenchCommand, string>();
    try {
      await group.setUp?.(progress);
      await alternate(runnable, results, failed, progress);
    } catch (error) {
      for (const command of runnable) if (!failed.has(command)) failed.set(command, `set-up failed: ${(error as Error).message}`);
    } finally {
      await group.tearDown?.();
    }
    for (const command of runnable) {
      const runs = results.get(command) ?? [];
      const failure = failed.get(command);
      reports.push({
        ...emptyReport(command, failure ? "failed" : "measured", failure),
        runs,
        summary: failure || runs.length === 0 ? undefined : summarize(runs, command.records),
      });
    }
  }
  const order = groups.flatMap((g) => g.commands.map((c) => c.id));
  const commands = withRatios(reports.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id)));
  const budgetResults = checkBudgets(commands, budgets);
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { ...describeMachine(), loadAverage: { start: loadStart, end: loadAverage() } },
    commands,
    budgets: budgetResults,
    missed: budgetResults.filter((b) => b.status === "missed").map((b) => b.name),
    failed: commands.filter((c) => c.status === "failed").map((c) => c.label),
  };
}

/** Warm-up runs, then measured runs, one round at a time across the group's commands. */
async function alternate(
  runnable: readonly BenchCommand[],
  results: Map<BenchCommand, RunResult[]>,
  failed: Map<BenchCommand, string>,
  progress: Progress,
): Promise<void> {
  const labelWidth = Math.max(...runnable.map((c) => c.label.length));
  const rounds = Math.max(...runnable.map((c) => c.warmup + c.runs));
  for (let round = 0; round < rounds; round += 1) {
    for (const command of runnable) {
      if (round >= command.warmup + command.runs || failed.has(command)) continue;
      const warm = round < command.warmup;
      const prefix = `  ${command.label.padEnd(labelWidth)}  ${warm ? `warm-up ${round + 1}/${command.warmup}` : `run ${round - command.warmup + 1}/${command.runs}`}`;
      let result: RunResult;
      try {
        result = await measureOnce((command.invocation as () => Invocation)(), (ms) => progress.tick(prefix, ms), command.phases);
      } catch (error) {
        // It could not even start (a missing program, a failed preparation): say so and go on.
        failed.set(command, (error as Error).message);
        progress.line(`${prefix} FAILED: ${(error as Error).message}`);
        continue;
      }
      progress.done(prefix, result);
      if (result.failure)
        failed.set(command, result.failure); // a failing command is not run again
      else if (!warm) results.get(command)?.push(result);
    }
  }
}

function emptyReport(command: BenchCommand, status: CommandReport["status"], reason?: string): CommandReport {
  return { id: command.id, label: command.label, status, reason, baseline: command.baseline, records: command.records, warmup: command.warmup, runs: [] };
}

const loadAverage = (): number => Number(loadavg()[0].toFixed(2));

function describeMachine(): Omit<Machine, "loadAverage"> {
  return {
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${type()} ${release()} ${arch()}`,
  };
}

const formatSeconds = (ms: number): string => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`);
const formatMB = (bytes: number): string => `${Math.round(bytes / MB)} MB`;

/** A Markdown table, aligned so it also reads well on a terminal. */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

/** The report as a person reads it: the results table, what was not measured, the budgets. */
export function formatReport(report: BenchReport): string {
  const rows = report.commands.map((c) => {
    const s = c.summary;
    if (!s) return [c.label, c.status === "failed" ? "FAILED" : c.status, "", "", "", "", "", ""];
    const isBaseline = report.commands.some((other) => other.baseline === c.id);
    return [
      c.label,
      `${c.runs.length}`,
      formatSeconds(s.wallMs.median),
      `${formatSeconds(s.wallMs.min)} – ${formatSeconds(s.wallMs.max)}`,
      `${formatMB(s.peakProcessBytes.max)} (${s.largestProcess})`,
      formatMB(s.treePeakBytes.max),
      s.recordsPerSecond === undefined ? "" : Math.round(s.recordsPerSecond).toLocaleString("en-US"),
      s.speedupVsBaseline !== undefined
        ? `${s.speedupVsBaseline.toFixed(1)}× faster, ${String(s.memoryRatioVsBaseline?.toFixed(1))}× less memory`
        : isBaseline
          ? "baseline"
          : "",
    ];
  });
  const table = markdownTable(
    ["command", "runs", "wall median", "wall min – max", "largest process (peak RSS)", "tree peak", "records/s", "vs baseline"],
    rows,
  );
  const baselines = report.commands
    .filter((c) => c.baseline && c.summary?.speedupVsBaseline !== undefined)
    .map((c) => `- ${c.label} is compared with ${labelOf(report, c.baseline)}, measured alternately in the same run`);
  const phases = report.commands.flatMap((c) =>
    Object.entries(c.summary?.phaseMs ?? {}).map(
      ([phase, ms]) => `- ${c.label}: its ${phase} took ${formatSeconds(ms.median)} median (${formatSeconds(ms.min)} – ${formatSeconds(ms.max)})`,
    ),
  );
  const notes = report.commands.flatMap((c) => (c.reason ? [`- ${c.label}: ${c.status}: ${c.reason}`] : []));
  const budgets = report.budgets.map((b) => `- ${b.status === "met" ? "met" : b.status === "missed" ? "MISSED" : "not checked"}: ${b.name}: ${b.detail}`);
  const m = report.machine;
  return [
    `Machine: ${m.cores} cores (${m.cpuModel}), ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB memory, Node ${m.node}; load average ${m.loadAverage.start} at start, ${m.loadAverage.end} at end`,
    "",
    table,
    "",
    ...baselines,
    ...phases,
    ...notes,
    "",
    "Budgets:",
    ...budgets,
  ].join("\n");
}

function labelOf(report: BenchReport, id: string | undefined): string {
  return report.commands.find((c) => c.id === id)?.label ?? String(id);
}

/** Writes bench.json and prints the table; returns the exit code: 1 when a budget was missed or a command failed. */
export function finish(report: BenchReport, outFile: string, print: (text: string) => void = console.log): number {
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  print(formatReport(report));
  print(`\nWrote ${outFile}`);
  for (const name of report.missed) print(`budget missed: ${name}`);
  for (const label of report.failed) print(`command failed: ${label}`);
  return report.missed.length + report.failed.length > 0 ? 1 : 0;
}
