// Progress of a bot run on stderr: a bar redrawn in place on a terminal, a plain line now and then otherwise
// (CI logs, pipes), so a log never fills with carriage returns. No dependency.

/** Where progress goes; `process.stderr` by default. */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

/** A progress display for `total` units of work. */
export class ProgressBar {
  private done = 0;
  private detail = '';
  private lastDrawAt = 0;
  private lastLoggedTenth = -1;
  private finished = false;
  private readonly startedAt = Date.now();
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly redrawMs: number;
  private readonly logEveryMs: number;

  /**
   * @param options.redrawMs least time between two redraws on a terminal
   * @param options.logEveryMs least time between two plain lines, besides one per tenth of the work
   */
  constructor(
    private readonly label: string,
    private readonly total: number,
    options: { stream?: ProgressStream; redrawMs?: number; logEveryMs?: number } = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.redrawMs = options.redrawMs ?? 100;
    this.logEveryMs = options.logEveryMs ?? 5000;
  }

  /** Sets how much is done and a short text shown after the bar (e.g. counts by outcome). */
  update(done: number, detail = this.detail): void {
    this.done = Math.min(done, this.total);
    this.detail = detail;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDrawAt >= this.redrawMs || this.done === this.total) this.draw(now);
      return;
    }
    const tenth = this.total === 0 ? 10 : Math.floor((this.done * 10) / this.total);
    if (tenth > this.lastLoggedTenth || now - this.lastDrawAt >= this.logEveryMs) {
      this.lastLoggedTenth = tenth;
      this.lastDrawAt = now;
      this.stream.write(`${this.line(now)}\n`);
    }
  }

  /** Draws the final state and leaves the cursor on a new line. */
  finish(detail = this.detail): void {
    if (this.finished) return;
    this.detail = detail;
    if (this.tty) {
      this.draw(Date.now());
      this.stream.write('\n');
    } else if (this.lastLoggedTenth < 10 || this.done < this.total) {
      this.stream.write(`${this.line(Date.now())}\n`);
    }
    this.finished = true;
  }

  private draw(now: number): void {
    this.lastDrawAt = now;
    const text = this.line(now);
    const width = Math.max(20, (this.stream.columns ?? 100) - 1);
    this.stream.write(`\r\x1b[2K${text.length > width ? text.slice(0, width) : text}`);
  }

  private line(now: number): string {
    const share = this.total === 0 ? 1 : this.done / this.total;
    const width = 24;
    const filled = Math.round(share * width);
    const bar = this.tty ? `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ` : '';
    const seconds = ((now - this.startedAt) / 1000).toFixed(1);
    const percent = `${Math.floor(share * 100)}`.padStart(3);
    const detail = this.detail ? `  ${this.detail}` : '';
    return `${this.label} ${bar}${percent}% ${this.done}/${this.total} ${seconds}s${detail}`;
  }
}
