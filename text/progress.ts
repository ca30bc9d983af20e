/**
 * One line per step of a long-running command: `[3/6] terraform plan ... done in 8.2 s`. The step
 * name is written before the step starts, so a person sees what is being waited for.
 */
import { exitCodeOf } from "../input/unusable-input";

/** A step that failed: its name, and what the tool it ran printed. */
export class StepFailed extends Error {
  /** The exit status the failure calls for: 2 when the step found the input unusable (a bad setting), else 1. */
  readonly exitCode: number;

  constructor(
    readonly step: string,
    readonly details: string,
    cause?: unknown,
  ) {
    super(`${step} failed:\n${details}`);
    this.name = "StepFailed";
    this.exitCode = exitCodeOf(cause);
  }
}

export class Progress {
  private done = 0;

  constructor(
    private readonly total: number,
    private readonly write: (text: string) => void = (text) => process.stderr.write(text),
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs one step; any error becomes a StepFailed naming the step. */
  step<T>(name: string, run: () => T): T {
    this.done += 1;
    this.write(`[${this.done}/${this.total}] ${name} ... `);
    const started = this.now();
    const seconds = () => `${((this.now() - started) / 1000).toFixed(1)} s`;
    try {
      const result = run();
      this.write(`done in ${seconds()}\n`);
      return result;
    } catch (error) {
      this.write(`FAILED after ${seconds()}\n`);
      throw new StepFailed(name, (error as Error).message, error);
    }
  }
}
