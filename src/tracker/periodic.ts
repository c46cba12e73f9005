import type { Timeline } from './timeline';
import { SnapshotBusyError, SnapshotFailedError } from './errors';

/**
 * Periodic snapshots under a pause budget: after each capture the next one is scheduled no
 * sooner than `intervalMs`, and no sooner than `lastCaptureMs / budget`, so the program spends
 * at most `budget` of the wall time paused in snapshots. The timeline samples every second
 * meanwhile. A busy tracker skips a turn; a refused (memory guard) or failed one is remembered
 * in `lastError`; a program that went away stops the run.
 */
export class PeriodicSnapshots {
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 0;
  private budget = 0.05;
  private nextAt: number | undefined;
  private count = 0;
  private generation = 0;
  private lastError: string | undefined;
  private lastCapture: () => number = () => 0;

  constructor(
    private readonly snapshot: (n: number) => Promise<unknown>,
    private readonly timeline: Timeline,
  ) {}

  start(intervalMs: number, budget: number, lastCaptureMs: () => number): void {
    this.stop();
    this.intervalMs = intervalMs;
    this.budget = Math.min(1, Math.max(0.001, budget));
    this.lastCapture = lastCaptureMs;
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

  status(): { intervalMs: number; budget: number; nextAt?: number; lastError?: string } | null {
    if (!this.intervalMs) return null;
    return { intervalMs: this.intervalMs, budget: this.budget, nextAt: this.nextAt, lastError: this.lastError };
  }

  /** The delay before the next snapshot: the interval, stretched to keep within the pause budget. */
  delay(): number {
    return Math.max(this.intervalMs, Math.ceil(this.lastCapture() / this.budget));
  }

  private schedule(): void {
    const delay = this.delay();
    this.nextAt = Date.now() + delay;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const generation = this.generation;
    try {
      await this.snapshot(++this.count);
      this.lastError = undefined;
    } catch (e) {
      if (!(e instanceof SnapshotBusyError)) this.lastError = (e as Error).message;
      if (e instanceof SnapshotFailedError && e.targetGone) {
        this.stop();
        return;
      }
    }
    if (generation === this.generation) this.schedule();
  }
}
