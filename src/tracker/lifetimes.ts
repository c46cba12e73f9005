import type { ClassDetail, HeapAllocationFrame, InstanceLifetime, MergedReferent, TrackedClassCensus } from '../model';

/** Keeps the referent tree to `depth` levels. */
function trim(refs: MergedReferent[], depth: number): MergedReferent[] {
  if (depth <= 0) return [];
  return refs.map((r) => ({ ...r, children: trim(r.children, depth - 1) }));
}

export interface CensusContext {
  /** Tracker snapshot index. */
  index: number;
  /** The JS heap total of the snapshot (for `pct`). */
  total: number;
  /** First snapshot of the class's tracking: without `startId`, instances seen there have no known birth. */
  firstSnapshot: number;
  /** The id watermark of tracking's start (see births.ts): larger ids were born after it. */
  startId?: number;
  resolutionLevel: number;
  /** V8's ids were reset since the previous snapshot: instances cannot be matched across it. */
  idReset: boolean;
  stacks: HeapAllocationFrame[][];
}

/**
 * Adds one snapshot's census of a class to its detail: the per-snapshot row, and the instance
 * lifetimes matched by V8 object id. A missing instance died in this snapshot (collected since
 * the previous one), a new one was born in it; after an id reset neither can be told, so the old
 * instances are marked lost and the new ones get an unknown birth.
 */
export function addCensus(detail: ClassDetail, census: TrackedClassCensus, ctx: CensusContext): void {
  const sum = census.retainedSize;
  detail.snapshots.push({
    index: ctx.index,
    active: census.count,
    sum,
    avg: census.count ? sum / census.count : 0,
    pct: ctx.total ? (100 * sum) / ctx.total : 0,
    selfSum: census.selfSize,
    min: census.min,
    max: census.max,
    referents: trim(census.referents, ctx.resolutionLevel),
  });
  const live = new Map<number, InstanceLifetime>();
  for (const inst of detail.instances) if (inst.death === null && inst.lostAt === undefined) live.set(inst.id, inst);
  const present = new Map(census.instances.map((i) => [i.id, i]));
  // With a truncated list only ids up to the last listed one are known to be gone.
  const lastListed = census.truncated && census.instances.length ? census.instances[census.instances.length - 1].id : Infinity;
  for (const [id, inst] of live) {
    if (present.has(id)) continue;
    if (ctx.idReset) inst.lostAt = ctx.index;
    else if (id <= lastListed) inst.death = ctx.index;
  }
  const stackIndex = stackIndexer(detail);
  for (const seen of census.instances) {
    let inst = ctx.idReset ? undefined : live.get(seen.id);
    if (!inst) {
      inst = { id: seen.id, repr: seen.repr, birth: birthOf(seen.id, ctx), death: null, sizes: [] };
      detail.instances.push(inst);
    }
    inst.sizes.push([ctx.index, seen.retainedSize]);
    if (seen.stack !== undefined && inst.stack === undefined) inst.stack = stackIndex(ctx.stacks[seen.stack]);
  }
  detail.instancesTruncated ||= census.truncated;
}

/**
 * The snapshot an instance first seen in snapshot `ctx.index` was born in, or null when it already
 * existed as tracking began (or the ids were reset). With the id watermark the answer is the id's
 * side of it, in the first snapshot too; without, the first snapshot's instances are unknown.
 */
function birthOf(id: number, ctx: CensusContext): number | null {
  if (ctx.idReset) return null;
  if (ctx.startId !== undefined) return id > ctx.startId ? ctx.index : null;
  return ctx.index <= ctx.firstSnapshot ? null : ctx.index;
}

const indexers = new WeakMap<ClassDetail, Map<string, number>>();
/** A stack's key: its frames as V8 gave them (the `new` found later is left out). */
const stackKey = (frames: HeapAllocationFrame[]) => JSON.stringify(frames, (k, v: unknown) => (k === 'newAt' ? undefined : v));
function stackIndexer(detail: ClassDetail): (frames: HeapAllocationFrame[]) => number {
  let keys = indexers.get(detail);
  if (!keys) {
    keys = new Map(detail.stacks.map((s, i) => [stackKey(s), i]));
    indexers.set(detail, keys);
  }
  const map = keys;
  return (frames) => {
    const key = stackKey(frames);
    let i = map.get(key);
    if (i === undefined) {
      i = detail.stacks.length;
      // a copy: the census's stacks are shared by its classes, and each class's `new` is its own (newAt)
      detail.stacks.push(frames.map((f) => ({ ...f })));
      map.set(key, i);
    }
    return i;
  };
}
