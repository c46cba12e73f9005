import { basename } from 'node:path';
import type { TargetInfo } from '../../model';
import { NotAvailableError, type ProfiledTarget, type TargetCapabilities } from '../target';

/** Saved files (heap snapshots) viewed without a running program. */
export class OfflineTarget implements ProfiledTarget {
  /** Saved files can do nothing a running program does. */
  readonly capabilities: TargetCapabilities = {};

  constructor(private readonly files: string[]) {}

  async info(): Promise<TargetInfo> {
    return {
      kind: 'offline',
      title: this.files.map((f) => basename(f)).join(', '),
      runtime: 'V8 heap snapshot',
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
