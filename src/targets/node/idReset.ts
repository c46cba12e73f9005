import type { CdpConnection } from '../../cdp';
import type { IdReset } from '../../model';
import type { ObjectIds } from '../target';

const GROUP = 'memory-profiler-sentinel';

/**
 * Notices when V8's heap object ids were reset (any client's `HeapProfiler.disable` clears the
 * id map, e.g. VS Code's debugger after its own snapshot): after every snapshot it asks for the
 * id of a sentinel that always survives (`Object.prototype`, held through a remote object); a
 * different id means the map was cleared in between. While allocation tracking runs, a
 * `lastSeenObjectId` that goes down says the same.
 */
export class IdResetDetector implements ObjectIds {
  private sentinel: string | undefined;
  private lastId: string | undefined;
  private lastSeen = 0;
  private droppedTo: { from: number; to: number } | undefined;
  private readonly off: () => void;

  constructor(private readonly connection: CdpConnection) {
    this.off = connection.on('HeapProfiler.lastSeenObjectId', ({ lastSeenObjectId }) => {
      if (lastSeenObjectId < this.lastSeen) this.droppedTo ??= { from: this.lastSeen, to: lastSeenObjectId };
      this.lastSeen = lastSeenObjectId;
    });
  }

  /** Call right after snapshot `index` was taken: the reset seen since the previous one, if any. */
  async checkReset(index: number): Promise<IdReset | undefined> {
    let id: string | undefined;
    try {
      if (!this.sentinel) {
        const { result } = await this.connection.send('Runtime.evaluate', { expression: 'Object.prototype', objectGroup: GROUP, silent: true });
        this.sentinel = result.objectId;
      }
      if (this.sentinel) id = (await this.connection.send('HeapProfiler.getHeapObjectId', { objectId: this.sentinel })).heapSnapshotObjectId;
    } catch {
      this.sentinel = undefined; // a new context or a released group: find it again next time
    }
    const previous = this.lastId;
    if (id !== undefined) this.lastId = id;
    const dropped = this.droppedTo;
    this.droppedTo = undefined;
    if (previous !== undefined && id !== undefined && id !== previous) {
      return {
        snapshot: index,
        detectedBy: 'sentinel',
        detail: `Object.prototype had id ${previous} and now has ${id}: another client reset V8's object ids (HeapProfiler.disable); lifetimes before and after cannot be matched`,
      };
    }
    if (dropped) {
      return {
        snapshot: index,
        detectedBy: 'max-id',
        detail: `the last object id went down from ${dropped.from} to ${dropped.to}: V8's object ids were reset; lifetimes before and after cannot be matched`,
      };
    }
    return undefined;
  }

  dispose(): void {
    this.off();
    if (!this.connection.isClosed) this.connection.send('Runtime.releaseObjectGroup', { objectGroup: GROUP }).catch(() => {});
  }
}
