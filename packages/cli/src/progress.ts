/**
 * A one-line progress bar on stderr: clips done, clips/s, audio-seconds/s and ETA. It draws
 * only when stderr is a terminal (and not `--quiet`), at most ten times a second, so logs and
 * pipes stay clean.
 */

/** Counters the bar shows. */
export interface ProgressState {
  done: number;
  failed: number;
  audioSec: number;
  total?: number;
}

/** Formats seconds as h:mm:ss or m:ss. */
export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return "?";
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${r}` : `${m}:${r}`;
}

/** The bar's text for a state after `elapsed` seconds. */
export function progressLine(p: ProgressState, elapsed: number, width = 24): string {
  const rate = elapsed > 0 ? p.done / elapsed : 0;
  const audioRate = elapsed > 0 ? p.audioSec / elapsed : 0;
  let bar = "";
  let eta = "";
  if (p.total !== undefined && p.total > 0) {
    const f = Math.min(1, p.done / p.total);
    const filled = Math.round(f * width);
    bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] `;
    eta = `  ETA ${rate > 0 ? formatDuration((p.total - p.done) / rate) : "?"}`;
  }
  const total = p.total !== undefined ? `/${p.total}` : "";
  const failed = p.failed > 0 ? ` (${p.failed} failed)` : "";
  return `${bar}${p.done}${total} clips${failed}  ${rate.toFixed(1)} clips/s  ${audioRate.toFixed(1)} audio-s/s${eta}`;
}

/** A progress bar bound to a stream. */
export class ProgressBar {
  private readonly start = performance.now();
  private last = 0;
  private drawn = false;
  /** The newest state the throttle kept off the screen; `done()` draws it. */
  private pending: ProgressState | undefined;

  constructor(
    private readonly enabled: boolean,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Redraws, throttled to 10 Hz unless `force`. */
  update(p: ProgressState, force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.last < 100) {
      this.pending = { ...p };
      return;
    }
    this.last = now;
    this.pending = undefined;
    this.stream.write(`\r\x1b[2K${progressLine(p, (now - this.start) / 1000)}`);
    this.drawn = true;
  }

  /**
   * Ends the line, first drawing the last state if the throttle held it back (so the bar ends
   * on the final count, not on the one drawn up to 100 ms before). Idempotent.
   */
  done(): void {
    if (this.pending) this.update(this.pending, true);
    if (this.enabled && this.drawn) this.stream.write("\n");
    this.drawn = false;
  }
}

/** True when a bar should draw: stderr is a TTY and the user did not ask for quiet. */
export function progressEnabled(quiet?: boolean): boolean {
  return !quiet && Boolean(process.stderr.isTTY);
}
