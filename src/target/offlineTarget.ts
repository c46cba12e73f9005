import { basename } from 'node:path';
import type { ProcessInfo, TargetInfo } from '../model';
import type { ProfiledTarget } from './target';

/** Process figures do not exist for saved files: HTTP 404 with this message. */
export class NotAvailableOfflineError extends Error {
  constructor(what: string) {
    super(`${what} is not available offline: these figures come from a running program`);
    this.name = 'NotAvailableOfflineError';
  }
}

/** Saved files (heap snapshots) viewed without a running program. */
export class OfflineTarget implements ProfiledTarget {
  constructor(private readonly files: string[]) {}

  async info(): Promise<TargetInfo> {
    return {
      kind: 'offline',
      title: this.files.map((f) => basename(f)).join(', '),
      runtime: 'V8 heap snapshot',
      argv: this.files,
      connected: false,
    };
  }

  async processInfo(): Promise<ProcessInfo> {
    throw new NotAvailableOfflineError('process information');
  }

  onGone(): () => void {
    return () => {};
  }

  async dispose(): Promise<void> {}
}
