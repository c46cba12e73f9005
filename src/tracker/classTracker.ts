import { nameMap, ownValue, toNameMap } from '../common/nameMap';
import { CollectedGarbage } from '../garbage/collected';
import type { HeapWorkerClient, SnapshotHandle } from '../heap/client';
import { SnapshotRegistry } from '../heap/registry';
import { NewSites } from '../heap/newSites';
import type {
  AllocationSite,
  AllocationSites,
  CensusEntry,
  SavedGarbage,
  ClassDetail,
  HeapProgress,
  HeapSnapshotInfo,
  IdReset,
  StatsDump,
  TrackedClass,
  TrackerSnapshot,
  TrackerState,
  TrackWarning,
} from '../model';
import { OfflineTrackerError, SamplingNotStartedError, SnapshotBusyError, SnapshotFailedError } from './errors';
import { censusEntry, takeCensus } from './census';
import { addCensus } from './lifetimes';
import { type LiveSnapshotOptions, LiveSnapshotter } from './liveSnapshot';
import { NotAvailableError, need, type ObjectIds, type ProfiledTarget, type ProgramRequest } from '../targets';
import { type PeriodicMode, PeriodicSnapshots } from './periodic';
import { type ProgramNames, trackWarning } from './nameCheck';
import { loadStats, STATS_FORMAT, STATS_VERSION, withNameMaps, writeStats } from './statsFile';
import { timeseries } from './timeseries';
import { Timeline } from './timeline';

export interface ClassTrackerOptions extends LiveSnapshotOptions {
  /**
   * Where the snapshots are kept: a registry shared with a heap store (a server's), or the heap
   * worker for a registry of the tracker's own (default: a new worker, started on first use).
   */
  registry?: SnapshotRegistry;
  client?: HeapWorkerClient | (() => HeapWorkerClient);
  /** Most heap snapshots its own registry holds (default 20); the oldest are dropped, their summaries stay. */
  maxSnapshots?: number;
  /** Most instances per class whose lifetimes are recorded (default 10 000). */
  maxInstances?: number;
  /** Most censuses kept; beyond it every other old one is dropped (default 20 000). */
  maxCensus?: number;
  /** Latest pairs of consecutive snapshots whose garbage a dump saves (default 3; 0: none). */
  dumpGarbagePairs?: number;
  /** Graphs per pair saved in full in a dump (default 20; every graph's summary is saved). */
  dumpGarbageGraphs?: number;
  /**
   * Bytes of the JS heap the profiler itself adds to the program, reported as each snapshot's
   * `overhead` (default: 0, a profiler outside the program's isolate adds nothing to its heap).
   */
  overhead?: () => number | Promise<number>;
}

export interface TrackOptions {
  /** Depth of the merged referent trees recorded per snapshot (default 0: none). */
  resolutionLevel?: number;
  /** Turn on allocation tracking so instances carry their creation stack. */
  trace?: boolean;
}

/** A snapshot as the tracker reports it to listeners: its summary and the worker's handle. */
export interface SnapshotAddedEvent {
  snapshot: TrackerSnapshot;
  handle: SnapshotHandle;
  info: HeapSnapshotInfo;
}

/**
 * Pympler's ClassTracker for V8: follows classes by constructor name through full heap
 * snapshots of a live program. Each snapshot is summarised per tracked class (instances,
 * retained bytes, share of the JS heap) and feeds the instances' lifetimes, matched by V8's
 * stable object ids (a reset of the ids by another client is detected and reported). Built from
 * a stats dump (`ClassTracker.fromStats`) it is read-only.
 */
export class ClassTracker {
  private readonly dump: StatsDump;
  /** Where this tracker's heap snapshots are held (see `SnapshotRegistry`). */
  readonly registry: SnapshotRegistry;
  private readonly ownsRegistry: boolean;
  private readonly snapshotter: LiveSnapshotter | undefined;
  private readonly resets: ObjectIds | undefined;
  private readonly timelineSampler: Timeline | undefined;
  private readonly periodicRunner: PeriodicSnapshots | undefined;
  private collectedGarbage: CollectedGarbage | undefined;
  private tracing = false;
  private goneReason: string | undefined;
  private readonly addedListeners = new Set<(e: SnapshotAddedEvent) => void>();
  private readonly censusListeners = new Set<(e: CensusEntry) => void>();
  private readonly progressListeners = new Set<(p: HeapProgress & { description: string }) => void>();
  private readonly trackedListeners = new Set<(tracked: readonly TrackedClass[]) => void>();

  constructor(
    target?: ProfiledTarget,
    private readonly options: ClassTrackerOptions = {},
    dump?: StatsDump,
  ) {
    this.dump = dump
      ? withNameMaps(dump)
      : { format: STATS_FORMAT, version: STATS_VERSION, createdAt: Date.now(), target: null, tracked: [], snapshots: [], classes: nameMap(), timeline: [], idResets: [] };
    this.ownsRegistry = !options.registry;
    this.registry = options.registry ?? new SnapshotRegistry(options.client, { maxSnapshots: options.maxSnapshots });
    // Garbage computed against a dropped snapshot would keep its id lists alive.
    this.registry.onDropped(() => this.collectedGarbage?.clear());
    // A target without heap snapshots (saved files) makes a read-only tracker.
    const heapSnapshots = target?.capabilities.heapSnapshots;
    if (target && heapSnapshots) {
      this.target = target;
      target.onGone((reason) => (this.goneReason = reason));
      const gone = () => this.goneReason !== undefined;
      const process = target.capabilities.process;
      this.snapshotter = new LiveSnapshotter({ heapSnapshots, process, gone }, () => this.heapClient, options);
      this.resets = target.capabilities.objectIds;
      // The program's own track_class / create_snapshot calls (Python's agent) are this tracker's to answer.
      void target.capabilities.programRequests?.subscribe((r) => this.answer(r)).catch(() => {});
      this.timelineSampler = new Timeline(process, gone, this.dump.timeline, () => this.busy);
      this.dump.census ??= [];
      this.periodicRunner = new PeriodicSnapshots(
        {
          full: async (n) => (await this.createSnapshot(`periodic ${n}`)).captureMs,
          census: async () => (this.dump.tracked.length ? (await this.census()).pauseMs : undefined),
          lastFullMs: () => this.lastCaptureMs(),
          hasFull: () => this.dump.snapshots.length > 0 && this.dump.tracked.every((t) => t.firstSnapshot < this.dump.snapshots.length),
          busy: () => this.busy,
        },
        // The timeline samples every second from the first tracked class or snapshot on, periodic or not.
        { start: () => this.timelineSampler!.start(), stop: () => {} },
      );
    }
  }

  /** The live program followed; undefined for a read-only tracker. */
  readonly target: ProfiledTarget | undefined;

  /** Does what the program asked (see `ProgramRequests`). */
  private async answer(request: ProgramRequest): Promise<unknown> {
    switch (request.kind) {
      case 'trackClass':
        // Creation stacks only where the runtime records them: the class is tracked either way.
        return this.trackClass(request.name, { trace: request.trace && !!this.target?.capabilities.allocationTracking, resolutionLevel: request.resolutionLevel });
      case 'createSnapshot':
        return this.createSnapshot(request.description);
      case 'startPeriodicSnapshots':
        return this.startPeriodicSnapshots(Math.max(100, request.intervalMs));
      case 'stopPeriodicSnapshots':
        return this.stopPeriodicSnapshots();
    }
  }

  /** A read-only tracker showing a dump (see `loadStats`). */
  static fromStats(dump: StatsDump): ClassTracker {
    return new ClassTracker(undefined, {}, dump);
  }

  /** Reads a dump file into a read-only tracker. */
  static async load(file: string): Promise<ClassTracker> {
    return ClassTracker.fromStats(await loadStats(file));
  }

  get live(): boolean {
    return this.target !== undefined;
  }

  get busy(): boolean {
    return this.snapshotter?.busy ?? false;
  }

  /** The heap worker holding this tracker's snapshots. */
  get heapClient(): HeapWorkerClient {
    return this.registry.workerClient;
  }

  /**
   * Finds the line of the `new` on allocation stacks, where the program's scripts can be read
   * (see NewSites); undefined for a read-only tracker or a target that cannot read them.
   */
  get newSites(): NewSites | undefined {
    const tracking = this.target?.capabilities.allocationTracking;
    if (!tracking?.scriptSource) return undefined;
    return (this.newSiteFinder ??= new NewSites(
      () => this.heapClient,
      (frame) => tracking.scriptSource!(frame),
    ));
  }
  private newSiteFinder: NewSites | undefined;

  /**
   * Where objects of these classes were probably made, without allocation stacks: per class, the
   * sampled site of most live bytes whose function holds a `new` of it (see NewSites.sampledSite);
   * none when the program is not sampled.
   */
  async sampledSitesOf(classNames: readonly string[]): Promise<Map<string, AllocationSite>> {
    const found = new Map<string, AllocationSite>();
    const finder = this.newSites;
    const sampled = finder && classNames.length ? await this.target?.capabilities.allocationTracking?.sampledSites?.().catch(() => undefined) : undefined;
    if (!finder || !sampled) return found;
    for (const name of new Set(classNames)) {
      const site = await finder.sampledSite(name, sampled.sites).catch(() => undefined);
      if (site) found.set(name, site);
    }
    return found;
  }

  /** What was collected between held snapshots (live trackers), computed on first request and cached. */
  get garbage(): CollectedGarbage {
    return (this.collectedGarbage ??= new CollectedGarbage(() => this.heapClient));
  }

  /** Garbage between snapshots `to − 1` and `to` as a dump saved it (read-only trackers). */
  savedGarbage(to: number): SavedGarbage | undefined {
    return this.dump.garbage?.find((g) => g.to === to);
  }

  /** The worker handle of tracker snapshot `index` (live trackers only); undefined once the registry dropped it. */
  handleOf(index: number): SnapshotHandle | undefined {
    const heapIndex = this.dump.snapshots[index]?.heapIndex;
    return heapIndex === undefined || !this.live ? undefined : this.registry.handle(heapIndex);
  }

  get snapshots(): readonly TrackerSnapshot[] {
    return this.dump.snapshots;
  }

  get tracked(): readonly TrackedClass[] {
    return this.dump.tracked;
  }

  onSnapshotAdded(listener: (e: SnapshotAddedEvent) => void): () => void {
    this.addedListeners.add(listener);
    return () => this.addedListeners.delete(listener);
  }

  onProgress(listener: (p: HeapProgress & { description: string }) => void): () => void {
    this.progressListeners.add(listener);
    return () => this.progressListeners.delete(listener);
  }

  /** Called after a class is tracked or untracked (from any caller: the API, the pages, VS Code). */
  onTrackedChanged(listener: (tracked: readonly TrackedClass[]) => void): () => void {
    this.trackedListeners.add(listener);
    return () => this.trackedListeners.delete(listener);
  }

  private trackedChanged(): void {
    for (const l of this.trackedListeners) l(this.dump.tracked);
  }

  /** Follows instances of the class named `name` (a constructor name) from the next snapshot on. */
  async trackClass(name: string, options: TrackOptions = {}): Promise<TrackedClass> {
    this.needLive('tracking a class');
    if (!name || typeof name !== 'string') throw new TypeError('trackClass needs a class (constructor) name');
    const resolutionLevel = Math.max(0, Math.min(8, Math.floor(options.resolutionLevel ?? 0)));
    const trace = !!options.trace;
    // Tracked already, alike (`--track` and then the program's own request for it, a second
    // POST): kept as it is, its first snapshot and history with it.
    const already = this.dump.tracked.find((t) => t.name === name);
    if (already && already.resolutionLevel === resolutionLevel && already.trace === trace) return already;
    // With allocation tracking, where tracking begins in V8's id sequence: larger ids are born after.
    let watermark: Promise<number | undefined> | undefined = this.tracing ? this.target!.capabilities.allocationTracking?.lastId() : undefined;
    if (trace && !this.tracing) {
      const tracking = need(this.target!, 'allocationTracking');
      await this.snapshotter!.exclusive(
        'turning on allocation tracking',
        async () => {
          watermark = tracking.start();
          await watermark;
          this.tracing = true;
        },
        { preparation: true },
      );
    } else if (!trace && !this.tracing) {
      // Where its instances come from, sampled: no stacks per instance, but cheap.
      await this.target!.capabilities.allocationTracking?.startSampling?.().catch(() => {});
      // Without stacks too: every object alive now gets an id, so later ones are told by theirs.
      // That costs about a snapshot; when the memory guard would refuse one, or a snapshot is
      // being taken, births of the class's first snapshot stay unknown instead.
      const tracking = this.target!.capabilities.allocationTracking;
      if (tracking?.numberObjects && !this.snapshotter!.busy) {
        await this.snapshotter!.exclusive(
          'numbering the heap for births',
          async () => {
            if (!(await this.snapshotter!.memoryAllows())) return;
            watermark = tracking.numberObjects!();
            await watermark;
          },
          { preparation: true },
        );
      }
    }
    const entry: TrackedClass = { name, resolutionLevel, trace, since: Date.now(), firstSnapshot: this.dump.snapshots.length };
    this.timelineSampler?.start();
    const startId = await watermark;
    if (startId !== undefined) entry.startId = startId;
    const at = this.dump.tracked.findIndex((t) => t.name === name);
    if (at >= 0) this.dump.tracked[at] = entry;
    else this.dump.tracked.push(entry);
    const detail = ownValue(this.dump.classes, name) ?? (this.dump.classes[name] = { name, tracked: entry, snapshots: [], instances: [], instancesTruncated: false, stacks: [] });
    detail.tracked = entry;
    // Tracked again after a pause: what happened meanwhile is unknown.
    for (const inst of detail.instances) if (inst.death === null && inst.lostAt === undefined) inst.lostAt = entry.firstSnapshot;
    this.trackedChanged();
    return entry;
  }

  /**
   * Live bytes per allocation site (the program's innermost function), sampled since a class was
   * first tracked without creation stacks; 404 when the program has no sampling, 409 when none was
   * tracked that way.
   */
  async allocationSites(): Promise<AllocationSites> {
    this.needLive('allocation sites');
    const tracking = need(this.target!, 'allocationTracking');
    if (!tracking.sampledSites)
      throw this.target!.describeMissing?.('allocation sampling') ?? new NotAvailableError('not available', 'allocation sampling is not available for this program');
    const sites = await tracking.sampledSites();
    if (!sites) throw new SamplingNotStartedError();
    return sites;
  }

  /**
   * Whether the program has instances of `name` now; when not, a warning with the near names it
   * has (`Ordr` → `Order`). Read from a census when the target counts every class (a brief
   * pause, as a census), else from the latest held heap snapshot; undefined when there is
   * nothing to compare with or the program has instances.
   */
  async nameCheck(name: string): Promise<TrackWarning | undefined> {
    return (await this.nameChecks([name]))[0];
  }

  /** `nameCheck` for several names at once (one census): the warnings, in the order of `names`. */
  async nameChecks(names: readonly string[]): Promise<TrackWarning[]> {
    const program = names.length ? await this.programNames().catch(() => undefined) : undefined;
    if (!program) return [];
    const aliases = await this.classAliases(names);
    const warnings = names.map((name) => trackWarning(name, program, aliases && (ownValue(aliases, name) ?? [])));
    // kept for the pages (TrackerState.warnings) while the class is tracked and has no instance
    names.forEach((name, i) => (warnings[i] ? this.warnings.set(name, warnings[i]) : this.warnings.delete(name)));
    return warnings.filter((w) => w !== undefined);
  }
  private readonly warnings = new Map<string, TrackWarning>();

  /**
   * Per name, the class names of the target's snapshots it stands for (Python: `Inner` →
   * `Outer.Inner`, `app.Order` → `Order`); undefined where names are matched exactly.
   */
  private async classAliases(names: readonly string[]): Promise<Record<string, string[]> | undefined> {
    const heapSnapshots = this.target?.capabilities.heapSnapshots;
    if (!heapSnapshots?.resolveClassNames || !names.length || this.goneReason !== undefined) return undefined;
    const found = await heapSnapshots.resolveClassNames(names).catch(() => undefined);
    if (!found) return undefined;
    // The names are the program's: `__proto__` among them.
    const own: Record<string, string[]> = Object.create(null);
    for (const name of names) own[name] = Object.hasOwn(found, name) && Array.isArray(found[name]) ? found[name].filter((n) => typeof n === 'string') : [];
    return own;
  }

  private async programNames(): Promise<ProgramNames | undefined> {
    const census = this.target?.capabilities.census;
    // Not during a snapshot: the census would wait for it to end.
    if (census?.names && this.goneReason === undefined && !this.busy) {
      const { counts, classes } = await census.names();
      return { source: 'census', counts: toNameMap(counts), classes };
    }
    const entries = this.registry.list();
    for (let i = entries.length - 1; i >= 0; i--) {
      const handle = this.registry.handle(entries[i].index);
      if (handle === undefined) continue;
      const counts = nameMap<number>();
      for (const c of await this.heapClient.classes(handle)) counts[c.name] = c.count;
      return { source: 'snapshot', snapshot: entries[i].index, counts, classes: [] };
    }
    return undefined;
  }

  /**
   * Stops following a class; its history stays. Allocation tracking, once on, stays on until the
   * tracker disconnects: turning it off makes V8 take and stream a whole snapshot.
   */
  untrackClass(name: string): boolean {
    this.needLive('untracking a class');
    const at = this.dump.tracked.findIndex((t) => t.name === name);
    if (at < 0) return false;
    this.dump.tracked.splice(at, 1);
    this.warnings.delete(name);
    const detail = ownValue(this.dump.classes, name);
    if (detail) detail.tracked = null;
    this.trackedChanged();
    return true;
  }

  /** Takes a full heap snapshot now and summarises it; resolves when done. */
  async createSnapshot(description = '', options: { force?: boolean } = {}): Promise<TrackerSnapshot> {
    this.needLive('a snapshot');
    // The lock covers the summary too: a second snapshot started meanwhile would take the same index.
    return this.snapshotter!.exclusive('a heap snapshot', () => this.captureAndSummarise(description, options));
  }

  private async captureAndSummarise(description: string, options: { force?: boolean }): Promise<TrackerSnapshot> {
    const index = this.dump.snapshots.length;
    const desc = description || `snapshot ${index}`;
    const taken = await this.snapshotter!.capture({
      force: options.force,
      onProgress: (p) => {
        for (const l of this.progressListeners) l({ ...p, description: desc });
      },
    });
    const timestamp = Date.now();
    try {
      const reset = await this.resets?.checkReset(index);
      const proc = await this.target!.capabilities.process?.read().catch(() => undefined);
      const tracked = this.dump.tracked.slice();
      const depth = Math.max(0, ...tracked.map((t) => t.resolutionLevel));
      // Python's `Inner`, `app.Order`: the snapshot names those classes' instances by `__qualname__`.
      const aliases = await this.classAliases(tracked.map((t) => t.name));
      const census = tracked.length
        ? await this.heapClient.trackedInstances(taken.snapshot, {
            names: tracked.map((t) => t.name),
            aliases: aliases && tracked.map((t) => aliases[t.name]),
            depth,
            maxInstances: this.options.maxInstances ?? 10_000,
            stacks: tracked.some((t) => t.trace),
          })
        : { classes: [], stacks: [] };
      const total = taken.info.totalSize;
      const overhead = Math.max(0, Math.round((await this.options.overhead?.()) ?? 0));
      const snapshot: TrackerSnapshot = { index, description: desc, timestamp, captureMs: taken.captureMs, total, trackedTotal: 0, overhead, classes: nameMap() };
      if (reset) {
        snapshot.idReset = true;
        this.dump.idResets.push(reset);
      }
      if (proc) {
        snapshot.process = {
          rss: proc.rss,
          vsz: proc.vsz,
          heapUsed: proc.heap.used,
          heapTotal: proc.heap.total,
          heapLimit: proc.heap.limit,
          external: proc.heap.external,
          arrayBuffers: proc.heap.arrayBuffers,
        };
        this.timelineSampler!.add(proc);
      }
      this.timelineSampler!.start();
      census.classes.forEach((c, i) => {
        const t = tracked[i];
        const detail = ownValue(this.dump.classes, t.name)!;
        addCensus(detail, c, { index, total, firstSnapshot: t.firstSnapshot, startId: t.startId, resolutionLevel: t.resolutionLevel, idReset: !!reset, stacks: census.stacks });
        // after an id reset V8 numbers from the start again: the watermark means nothing
        if (reset) delete t.startId;
        const { referents: _r, index: _i, ...stats } = detail.snapshots[detail.snapshots.length - 1];
        snapshot.classes[t.name] = stats;
        snapshot.trackedTotal += stats.sum;
        if (stats.active > 0) this.warnings.delete(t.name);
      });
      // where each new stack ran its `new` (a look at the program's scripts; nothing lost without it)
      for (const t of tracked) if (t.trace) await this.newSites?.mark(t.name, ownValue(this.dump.classes, t.name)!.stacks).catch(() => {});
      snapshot.heapIndex = this.registry.add(taken.snapshot, taken.info, desc).index;
      this.dump.snapshots.push(snapshot);
      for (const l of this.addedListeners) l({ snapshot, handle: taken.snapshot, info: taken.info });
      return snapshot;
    } catch (e) {
      await this.heapClient.dispose(taken.snapshot).catch(() => {});
      if (this.goneReason !== undefined)
        throw new SnapshotFailedError(`the program went away while the snapshot was summarised (${(e as Error).message}); earlier snapshots are kept`, true);
      throw e;
    }
  }

  /**
   * Counts the tracked classes' instances now without a heap snapshot (`Runtime.queryObjects`):
   * exact counts, sizes carried over from the latest full snapshot and marked estimated. Kept
   * in `state().census` and the dump.
   */
  async census(): Promise<CensusEntry> {
    this.needLive('a census');
    const names = this.dump.tracked.map((t) => t.name);
    const census = need(this.target!, 'census');
    let result;
    try {
      result = await takeCensus(census, names);
    } catch (e) {
      if (this.goneReason !== undefined) throw new SnapshotFailedError(`the program went away during a census (${(e as Error).message})`, true);
      throw e;
    }
    const entry = censusEntry(this.dump, result, Date.now());
    const list = (this.dump.census ??= []);
    list.push(entry);
    const max = this.options.maxCensus ?? 20_000;
    if (list.length > max) {
      const kept = list.filter((_, i) => i % 2 === 1 || i >= max / 2);
      list.splice(0, list.length, ...kept);
    }
    for (const l of this.censusListeners) l(entry);
    return entry;
  }

  onCensus(listener: (e: CensusEntry) => void): () => void {
    this.censusListeners.add(listener);
    return () => this.censusListeners.delete(listener);
  }

  /**
   * Periodic mode, keeping the program paused at most `budget` of the wall time (default 0.05).
   * `mode: 'census'` (default): a census every `intervalMs` (exact counts, estimated sizes) and a
   * full snapshot as often as the budget allows (the first at once); `mode: 'full'`: a full
   * snapshot every `intervalMs`, stretched to the last pause divided by the budget. Process
   * figures are sampled every second for the timeline.
   */
  startPeriodicSnapshots(intervalMs: number, options: { budget?: number; mode?: PeriodicMode } = {}): void {
    this.needLive('periodic snapshots');
    if (!(intervalMs > 0)) throw new RangeError('intervalMs must be a positive number of milliseconds');
    const mode = options.mode ?? 'census';
    if (mode !== 'census' && mode !== 'full') throw new RangeError('mode must be "census" or "full"');
    this.periodicRunner!.start(intervalMs, options.budget ?? 0.05, mode);
  }

  stopPeriodicSnapshots(): void {
    this.periodicRunner?.stop();
  }

  private lastCaptureMs(): number {
    const s = this.dump.snapshots;
    return s.length ? s[s.length - 1].captureMs : 0;
  }

  /** What `GET /api/tracker` returns. */
  state(): TrackerState {
    return {
      live: this.live,
      tracked: this.dump.tracked,
      snapshots: this.dump.snapshots,
      timeseries: timeseries(this.dump),
      census: this.dump.census ?? [],
      periodic: this.periodicRunner?.status() ?? null,
      busy: this.busy,
      idResets: this.dump.idResets,
      warnings: this.dump.tracked.flatMap((t) => this.warnings.get(t.name) ?? []),
    };
  }

  /** Everything known about one class (tracked now or before), or undefined. */
  classDetail(name: string): ClassDetail | undefined {
    return ownValue(this.dump.classes, name);
  }

  /** The dump: what `dumpStats` writes (with the garbage of the latest held snapshot pairs). */
  async stats(): Promise<StatsDump> {
    if (this.target && !this.dump.target) this.dump.target = await this.target.info().catch(() => null);
    const dump: StatsDump = { ...this.dump, createdAt: Date.now() };
    if (this.live) {
      const garbage = await this.garbageToSave();
      if (garbage.length) dump.garbage = garbage;
    }
    return dump;
  }

  private async garbageToSave(): Promise<SavedGarbage[]> {
    const saved: SavedGarbage[] = [];
    const pairs = this.options.dumpGarbagePairs ?? 3;
    const graphs = this.options.dumpGarbageGraphs ?? 20;
    for (let to = this.dump.snapshots.length - 1; to >= 1 && saved.length < pairs; to--) {
      const a = this.handleOf(to - 1);
      const b = this.handleOf(to);
      if (a === undefined || b === undefined) continue;
      try {
        const summaries = await this.garbage.summaries(a, b);
        const details = [];
        for (const g of summaries.slice(0, graphs)) {
          const d = await this.garbage.graph(a, b, g.index);
          if (d) details.push(d);
        }
        saved.unshift({ from: to - 1, to, graphs: summaries, details });
      } catch {
        // a snapshot freed meanwhile: that pair is not saved
      }
    }
    return saved;
  }

  /** Writes the stats as versioned JSON, gzip when `file` ends in `.gz` (atomically: temp file, then rename). */
  async dumpStats(file: string): Promise<void> {
    await writeStats(file, await this.stats());
  }

  /** Stops periodic snapshots and sampling; frees the snapshots when the tracker made its own worker. */
  async dispose(): Promise<void> {
    this.stopPeriodicSnapshots();
    this.timelineSampler?.stop();
    if (this.ownsRegistry) await this.registry.dispose();
  }

  private needLive(what: string): void {
    if (!this.target) throw new OfflineTrackerError(what);
  }
}

export { SnapshotBusyError };
export type { IdReset };
