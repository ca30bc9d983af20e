/**
 * One line of progress for something that waits: rewritten in place on a terminal; elsewhere (CI,
 * a log file) printed when it changes, at most every few seconds, so a log stays readable.
 */
export class StatusLine {
  private shown = "";
  private lastPrinted = 0;

  constructor(
    private readonly stream: { write(text: string): unknown; isTTY?: boolean; columns?: number } = process.stderr,
    private readonly quietMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  private get live(): boolean {
    return this.stream.isTTY === true;
  }

  /** Shows the current state. */
  update(text: string): void {
    if (text === this.shown) return;
    this.shown = text;
    if (this.live) {
      this.stream.write(`\r\x1b[2K${text.slice(0, (this.stream.columns ?? 120) - 1)}`);
    } else if (this.now() - this.lastPrinted >= this.quietMs) {
      this.lastPrinted = this.now();
      this.stream.write(`${text}\n`);
    }
  }

  /** Ends the line with its final state, always printed. */
  finish(text: string): void {
    this.stream.write(this.live ? `\r\x1b[2K${text}\n` : `${text}\n`);
    this.shown = "";
    this.lastPrinted = 0;
  }
}
