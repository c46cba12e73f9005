import type { ProcessInfo, TimelineSample } from '../model';
import type { ProcessFigures } from '../targets';

/** Most samples kept; beyond it every other old sample is dropped (the timeline thins out, never ends). */
const MAX_SAMPLES = 20_000;

/** Cheap process figures (memory, heap spaces) sampled about once a second for the tracker's timeline. */
export class Timeline {
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    private readonly process: ProcessFigures | undefined,
    private readonly gone: () => boolean,
    private readonly samples: TimelineSample[],
    private readonly paused: () => boolean,
  ) {}

  add(p: ProcessInfo): void {
    this.samples.push({
      timestamp: p.timestamp,
      rss: p.rss,
      heapUsed: p.heap.used,
      heapTotal: p.heap.total,
      external: p.heap.external,
      arrayBuffers: p.heap.arrayBuffers,
      spaces: p.spaces.map((s) => ({ name: s.name, used: s.used, size: s.size })),
    });
    if (this.samples.length > MAX_SAMPLES) {
      const kept = this.samples.filter((_, i) => i % 2 === 1 || i >= MAX_SAMPLES / 2);
      this.samples.splice(0, this.samples.length, ...kept);
    }
  }

  start(everyMs = 1_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sample(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sample(): Promise<void> {
    // A snapshot pauses the program: a sample would only queue behind it.
    if (this.sampling || this.paused() || !this.process) return;
    this.sampling = true;
    try {
      this.add(await this.process.read());
    } catch {
      if (this.gone()) this.stop();
    } finally {
      this.sampling = false;
    }
  }
}
