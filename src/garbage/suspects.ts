import type { HeapWorkerClient, SnapshotHandle } from '../heap/client';
import type { NewSites } from '../heap/newSites';
import type { LeakSuspectGroup } from '../model';

/**
 * Leak suspects (memlab's method): objects allocated after a baseline snapshot and still alive
 * in the two latest, grouped by retainer path. Computed in the heap worker on first request
 * and kept per triple of snapshots.
 */
export class LeakSuspectFinder {
  private readonly cache = new Map<string, Promise<{ objects: number; groups: LeakSuspectGroup[] }>>();

  constructor(
    private readonly client: () => HeapWorkerClient,
    private readonly newSites?: () => NewSites | undefined,
  ) {}

  find(baseline: SnapshotHandle, target: SnapshotHandle, final: SnapshotHandle): Promise<{ objects: number; groups: LeakSuspectGroup[] }> {
    const key = `${baseline}:${target}:${final}`;
    let value = this.cache.get(key);
    if (!value) {
      value = this.client()
        .leakSuspects(baseline, target, final)
        .then(async (found) => {
          // the line of the `new` of each group's allocation site, where the script can be read
          const sites = this.newSites?.();
          for (const g of found.groups) {
            const stack = g.allocationStack;
            if (!sites || !g.allocatedAt || !stack) continue;
            await sites.mark(g.className, [stack]).catch(() => {});
            // past a derived class's constructor, the frame that ran `new` is a caller
            const made = stack.find((f) => f.newAt);
            if (made) g.allocatedAt = { ...made, count: g.allocatedAt.count };
          }
          return found;
        });
      this.cache.set(key, value);
      value.catch(() => this.cache.get(key) === value && this.cache.delete(key));
    }
    return value;
  }
}
