/**
 * Peak memory of a process and all its descendants, read from Linux's /proc while they run.
 *
 * Each sample walks the tree from the root through /proc/<pid>/task/<tid>/children and reads
 * every process's VmHWM (the kernel's own high-water mark of its resident set) and VmRSS. VmHWM
 * makes a process's peak exact for any process seen alive at least once, however short its peak
 * was; a process that starts and ends between two samples is not seen at all.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";

export interface ProcessPeak {
  readonly pid: number;
  /** The command line when its peak was read, shortened for a table. */
  readonly command: string;
  /** Highest resident set of this process, in bytes. */
  readonly peakRssBytes: number;
}

export interface TreeMemory {
  /** The largest single process over the whole run (the per-process budgets apply to this). */
  readonly largest: ProcessPeak | undefined;
  /** Highest sum of the resident sets of all processes alive at one sample, in bytes. */
  readonly treePeakRssBytes: number;
  /** Distinct processes seen. */
  readonly processes: number;
  readonly samples: number;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process ended between listing and reading: normal while sampling
  }
}

function kibField(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/**
 * A command line as people recognise it: the program and up to two arguments before the options
 * that follow them, as file names ("node main.ts", "node ts-node main.ts", "python3 generator.py").
 */
export function shortCommand(cmdline: string): string {
  // A process that set its title (npm does) has one string, words separated by spaces.
  const parts = cmdline.split("\0").filter((part) => part.length > 0);
  const [program = "?", ...args] = parts.length === 1 ? parts[0].split(" ") : parts;
  const words: string[] = [];
  for (let i = 0; i < args.length && words.length < 2; i += 1) {
    if (!args[i].startsWith("-")) words.push(basename(args[i]));
    else if (words.length > 0) break;
    else if (["-r", "--require", "-e", "--eval"].includes(args[i])) i += 1; // preloads and inline code are no names
  }
  return [basename(program), ...words].join(" ");
}

function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tasks) {
    // Any thread can fork (Go runtimes do), so every thread's children count.
    const list = readOrUndefined(`/proc/${pid}/task/${tid}/children`);
    if (list) children.push(...list.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return children;
}

/** Whether this machine's /proc can list a process's children (Linux with CONFIG_PROC_CHILDREN). */
export function canSampleProcessTrees(): boolean {
  return readOrUndefined(`/proc/${process.pid}/task/${process.pid}/children`) !== undefined;
}

/** Samples one process tree on a timer until stopped. */
export class ProcessTreeSampler {
  private readonly peaks = new Map<number, ProcessPeak>();
  private treePeak = 0;
  private samples = 0;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  /**
   * Samples every `fastIntervalMs` for the first `fastForMs` (short commands need fine sampling),
   * then every `slowIntervalMs` until `slowForMs`, then every `slowestIntervalMs`: a sample of
   * `npm test`'s tree (13 processes, hundreds of threads) costs about 3 ms of CPU, and on two cores
   * the sampler must not slow down what it measures. Peaks stay exact for any process that lives
   * past one interval (VmHWM is the kernel's own high-water mark); only the tree's summed peak is
   * read less often.
   */
  constructor(
    private readonly rootPid: number,
    private readonly fastIntervalMs = 10,
    private readonly slowIntervalMs = 50,
    private readonly fastForMs = 2000,
    private readonly slowestIntervalMs = 250,
    private readonly slowForMs = 30_000,
  ) {}

  start(): this {
    this.startedAt = Date.now();
    const next = () => {
      const age = Date.now() - this.startedAt;
      const interval = age < this.fastForMs ? this.fastIntervalMs : age < this.slowForMs ? this.slowIntervalMs : this.slowestIntervalMs;
      this.timer = setTimeout(() => {
        this.sample();
        next();
      }, interval);
    };
    next();
    return this;
  }

  /** Takes one sample now: every live process of the tree. */
  sample(): void {
    this.samples += 1;
    let treeRss = 0;
    const pending: Array<[pid: number, parentCmdline: string]> = [[this.rootPid, ""]];
    while (pending.length > 0) {
      const [pid, parentCmdline] = pending.pop() as [number, string];
      const status = readOrUndefined(`/proc/${pid}/status`);
      const cmdline = readOrUndefined(`/proc/${pid}/cmdline`);
      if (status === undefined || cmdline === undefined) continue;
      // A child caught between fork() and exec() is a copy of its parent sharing its pages:
      // counting it would report the parent's memory twice, under the parent's name.
      if (cmdline !== parentCmdline) {
        treeRss += kibField(status, "VmRSS");
        const hwm = kibField(status, "VmHWM");
        const known = this.peaks.get(pid);
        if (hwm > 0 && (known === undefined || hwm > known.peakRssBytes)) {
          this.peaks.set(pid, { pid, command: shortCommand(cmdline), peakRssBytes: hwm });
        }
      }
      for (const child of childrenOf(pid)) pending.push([child, cmdline]);
    }
    this.treePeak = Math.max(this.treePeak, treeRss);
  }

  stop(): TreeMemory {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let largest: ProcessPeak | undefined;
    for (const peak of this.peaks.values()) {
      if (!largest || peak.peakRssBytes > largest.peakRssBytes) largest = peak;
    }
    return { largest, treePeakRssBytes: this.treePeak, processes: this.peaks.size, samples: this.samples };
  }
}
