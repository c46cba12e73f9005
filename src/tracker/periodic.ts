import type { PeriodicStatus } from '../model';
import type { Timeline } from './timeline';
import { SnapshotBusyError, SnapshotFailedError } from './errors';

export type PeriodicMode = PeriodicStatus['mode'];

/** What periodic mode does on the tracker. */
export interface PeriodicWork {
  /** Takes full snapshot number `n`; resolves to the milliseconds the program was paused. */
  full(n: number): Promise<number>;
  /** Takes a census; resolves to the milliseconds paused, or undefined when there was nothing to count. */
  census(): Promise<number | undefined>;
  /** The pause of the latest full snapshot (0 when none was taken yet). */
  lastFullMs(): number;
  /** Whether some full snapshot exists to carry sizes over from. */
  hasFull(): boolean;
  /** Whether a snapshot is being taken right now (a census would only queue behind it). */
  busy(): boolean;
}

/**
 * Periodic mode under a pause budget: the program is paused at most `budget` of the wall time.
 *
 * - `census` (default): every interval a census (exact counts, estimated sizes; stretched to
 *   `census pause / (budget / 2)` if it is slow, so that censuses never take all the credit), and a full snapshot whenever the pause credit allows:
 *   credit accrues at `budget` ms per ms of unpaused wall time, every pause spends it, and a full
 *   snapshot waits until the credit covers the previous full snapshot's pause (the first one is
 *   taken at once, so there are sizes to carry over). Consecutive full snapshots are therefore at
 *   least `their pause / budget` apart, censuses in between included.
 * - `full`: a full snapshot every interval, stretched to `last pause / budget`.
 *
 * The timeline samples every second meanwhile. A busy tracker skips a turn; a refused (memory
 * guard) or failed one is remembered in `lastError`; a program that went away stops the run.
 */
export class PeriodicSnapshots {
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 0;
  private budget = 0.05;
  private mode: PeriodicMode = 'census';
  private nextAt: number | undefined;
  private count = 0;
  private generation = 0;
  private lastError: string | undefined;
  private credit = 0;
  private accruedAt = 0;
  private startedAt = 0;
  private pausedMs = 0;
  private censuses = 0;
  private fulls = 0;
  private lastCensusMs = 0;

  constructor(
    private readonly work: PeriodicWork,
    private readonly timeline: Pick<Timeline, 'start' | 'stop'>,
    private readonly now: () => number = Date.now,
  ) {}

  start(intervalMs: number, budget: number, mode: PeriodicMode = 'census'): void {
    this.stop();
    this.intervalMs = intervalMs;
    this.budget = Math.min(1, Math.max(0.001, budget));
    this.mode = mode;
    this.credit = 0;
    this.startedAt = this.accruedAt = this.now();
    this.pausedMs = this.censuses = this.fulls = this.lastCensusMs = 0;
    this.timeline.start();
    this.schedule();
  }

  stop(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextAt = undefined;
    this.intervalMs = 0;
    this.timeline.stop();
  }

  status(): PeriodicStatus | null {
    if (!this.intervalMs) return null;
    return {
      intervalMs: this.intervalMs,
      budget: this.budget,
      mode: this.mode,
      nextAt: this.nextAt,
      lastError: this.lastError,
      elapsedMs: this.now() - this.startedAt,
      pausedMs: Math.round(this.pausedMs),
      censuses: this.censuses,
      fullSnapshots: this.fulls,
    };
  }

  /**
   * The delay before the next turn: the interval, stretched to keep within the pause budget.
   * Censuses are stretched to half the budget: censuses that took all of it would leave no
   * credit for a full snapshot ever again (on a busy machine they did).
   */
  delay(): number {
    if (this.mode === 'full') return Math.max(this.intervalMs, Math.ceil(this.work.lastFullMs() / this.budget));
    return Math.max(this.intervalMs, Math.ceil(this.lastCensusMs / (this.budget / 2)));
  }

  private schedule(): void {
    const delay = this.delay();
    this.nextAt = this.now() + delay;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  /** Credit earned since the last pause ended; never more than a full snapshot costs. */
  private accrue(): void {
    const now = this.now();
    this.credit = Math.min(this.credit + (now - this.accruedAt) * this.budget, Math.max(this.work.lastFullMs(), this.lastCensusMs));
    this.accruedAt = now;
  }

  private spend(ms: number, full: boolean): void {
    this.pausedMs += ms;
    // After a full snapshot no credit is left over, so the next one waits its whole turn.
    this.credit = full ? Math.min(0, this.credit - ms) : this.credit - ms;
    this.accruedAt = this.now();
  }

  private async tick(): Promise<void> {
    const generation = this.generation;
    try {
      this.accrue();
      const full = this.mode === 'full' || !this.work.hasFull() || this.credit >= this.work.lastFullMs();
      if (full) {
        const ms = await this.work.full(++this.count);
        this.fulls++;
        this.spend(ms, true);
      } else if (!this.work.busy()) {
        const ms = await this.work.census();
        if (ms !== undefined) {
          this.censuses++;
          this.lastCensusMs = ms;
          this.spend(ms, false);
        }
      }
      this.lastError = undefined;
    } catch (e) {
      if (!(e instanceof SnapshotBusyError)) this.lastError = (e as Error).message;
      if ((e instanceof SnapshotFailedError && e.targetGone) || (e as { targetGone?: boolean }).targetGone) {
        this.stop();
        return;
      }
    }
    if (generation === this.generation) this.schedule();
  }
}
