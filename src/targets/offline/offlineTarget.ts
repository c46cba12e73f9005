import { basename } from 'node:path';
import type { TargetInfo } from '../../model';
import { NotAvailableError, type ProfiledTarget, type TargetCapabilities } from '../target';

/** Saved files (heap snapshots, a stats dump) viewed without a running program. */
export class OfflineTarget implements ProfiledTarget {
  /** Saved files can do nothing a running program does. */
  readonly capabilities: TargetCapabilities = {};

  /**
   * `recorded`: the program the files came from as it was recorded (a stats dump's `target`),
   * whose runtime is then the target's (`python 3.11.2`, `node v22.1.0`); without it, heap
   * snapshot files say `V8 heap snapshot`.
   */
  constructor(
    private readonly files: string[],
    private readonly recorded?: Pick<TargetInfo, 'runtime'> | null,
  ) {}

  /** A stats dump's target: the runtime its `target` recorded, or that it recorded none. */
  static forStats(file: string, recorded: Pick<TargetInfo, 'runtime'> | null | undefined): OfflineTarget {
    return new OfflineTarget([file], recorded?.runtime ? recorded : { runtime: 'unknown (the dump does not record it)' });
  }

  async info(): Promise<TargetInfo> {
    return {
      kind: 'offline',
      title: this.files.map((f) => basename(f)).join(', '),
      runtime: this.recorded?.runtime || 'V8 heap snapshot',
      argv: this.files,
      connected: false,
      capabilities: [],
    };
  }

  describeMissing(what: string): NotAvailableError {
    return new NotAvailableError('not available offline', `${what} is not available offline: it comes from a running program`);
  }

  onGone(): () => void {
    return () => {};
  }

  async dispose(): Promise<void> {}
}
