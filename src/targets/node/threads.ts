import type { Protocol } from 'devtools-protocol';
import { CdpConnection, ConnectionClosedError, WorkerSessionTransport } from '../../cdp';
import type { ObjectReferent, ObjectReferents, StackFrame, StackState, ThreadInfo, ThreadStack } from '../../model';
import { LIST_REFERENTS, type ListedReferents } from './referents';
import { type RetainedSizes, TargetGoneError, type ThreadReader, TooManyObjectsError, UnknownThreadError } from '../target';
import { PROFILER_SCRIPT_URL } from './profilerCode';

export interface ThreadInspectorOptions {
  /** The main thread is suspended by `startProfiler` (blocked until the server stops). */
  suspended?: boolean;
  /** Script URLs of the profiler itself: its frames are marked internal. */
  profilerUrls?: string[];
  /** How long a brief pause may take to happen before the thread counts as idle. Default 500 ms. */
  pauseTimeoutMs?: number;
}

/** Name of the profiler's own worker thread (see `startInBackground`); never listed, never paused. */
export const PROFILER_THREAD_NAME = 'memory-profiler';

const CONTEXT_LINES = 3;
const MAX_LINE_CHARS = 400;
const MAX_FRAMES = 64;
/** Referents per request at most. */
export const MAX_REFERENTS = 1000;
/** Levels of expansion below a frame's locals. */
export const MAX_DEPTH = 16;
/** How long the debugger stays enabled (pauses skipped) after a stack read: a stack page reads again within it. */
export const KEEP_ENABLED_MS = 10_000;
/** Stacks per thread whose objects are kept alive; older references expire. */
const KEPT_STACKS = 3;
/** References handed out per stack at most. */
const MAX_REFS_PER_STACK = 50_000;

/**
 * How many frames a stack trace taken by `PAUSE_PROBE` has beyond the paused ones: the probe's
 * function and the evaluated script. Formatting and the limit are the probe's own (the program
 * may have changed `Error.prepareStackTrace` or `Error.stackTraceLimit`), and restored.
 */
const PROBE_OWN_FRAMES = 2;
const PAUSE_PROBE = `(function () {
  const prepare = Error.prepareStackTrace, limit = Error.stackTraceLimit, holder = {};
  try {
    Error.stackTraceLimit = ${PROBE_OWN_FRAMES + 1};
    Error.prepareStackTrace = (_, sites) => sites.length;
    Error.captureStackTrace(holder);
    return holder.stack;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
})()`;

const GROUP_PREFIX = 'memory-profiler-stack-';
const HELPER_GROUP = 'memory-profiler-helpers';

type RefEntry =
  | { kind: 'locals'; thread: ThreadSession; stack: number; depth: 0; scopeObjectIds: string[] }
  | { kind: 'object'; thread: ThreadSession; stack: number; depth: number; objectId: string };

/**
 * Threads of a live program, their stacks and the objects their frames see, over the DevTools
 * protocol: the main thread on the target's own connection, worker threads through
 * `NodeWorker` sessions. A stack comes from the thread's current pause (a breakpoint, left
 * alone) or from a brief `Debugger.pause` that is always resumed. The scope objects of a stack
 * are moved into an object group of ours so that they can be expanded after the resume, until
 * a few newer stacks of the same thread replace it.
 */
export class ThreadInspector implements ThreadReader {
  private readonly main: ThreadSession;
  private readonly workers = new Map<string, { info: ThreadInfo; sessionId: string; session?: ThreadSession }>();
  private workersEnabled: Promise<void> | undefined;
  private readonly refs = new Map<string, RefEntry>();
  private nextStack = 1;
  private nextRef = 1;

  constructor(
    private readonly connection: CdpConnection,
    private readonly options: ThreadInspectorOptions = {},
    private readonly sizes?: RetainedSizes,
  ) {
    this.main = new ThreadSession({ id: 'main', name: 'main', kind: 'main' }, connection, options);
    // Node's own domain, absent from the browser protocol's types.
    connection.on('NodeWorker.attachedToWorker', ({ sessionId, workerInfo }: { sessionId: string; workerInfo: { workerId: string; title: string; url: string } }) => {
      const name = workerInfo.title.replace(/^\[worker \d+\]\s*/, '') || `worker ${workerInfo.workerId}`;
      if (name === PROFILER_THREAD_NAME) return;
      this.workers.set(workerInfo.workerId, { info: { id: workerInfo.workerId, name, kind: 'worker', url: workerInfo.url }, sessionId });
    });
    connection.on('NodeWorker.detachedFromWorker', ({ sessionId }: { sessionId: string }) => {
      for (const [id, w] of this.workers) {
        if (w.sessionId !== sessionId) continue;
        this.workers.delete(id);
        this.forgetThread(w.session);
      }
    });
  }

  /** The main thread and the program's worker threads (not the profiler's own). */
  async threads(): Promise<ThreadInfo[]> {
    // Through a debugger's shared session (js-debug), `NodeWorker.enable` would change how that
    // debugger attaches to workers: only the main thread is shown there.
    if (this.connection.sharedSession) return [this.main.info];
    await this.enableWorkers();
    return [this.main.info, ...[...this.workers.values()].map((w) => w.info)];
  }

  async stack(threadId: string): Promise<ThreadStack> {
    const thread = await this.thread(threadId);
    const stackNumber = this.nextStack++;
    const group = `${GROUP_PREFIX}${stackNumber}`;
    const captured = await this.guard(thread, thread.capture(group));
    // Older stacks of this thread expire: their objects are released in the program.
    for (const old of thread.rememberStack(stackNumber, KEPT_STACKS)) this.release(thread, old);
    const frames: StackFrame[] = [];
    for (const frame of captured.frames) {
      const localsRef = this.addRef({ kind: 'locals', thread, stack: stackNumber, depth: 0, scopeObjectIds: frame.locals });
      const scopes = frame.scopes.map((s) => ({
        type: s.type,
        ...(s.name ? { name: s.name } : {}),
        ref: this.addRef({ kind: 'object', thread, stack: stackNumber, depth: 0, objectId: s.objectId }),
      }));
      frames.push({ ...frame.frame, localsRef, scopes });
    }
    return { thread: thread.info, state: captured.state, timestamp: Date.now(), frames };
  }

  /** What the object behind `ref` refers to, `limit` items from `offset`. */
  async referents(ref: string, offset = 0, limit = 100): Promise<ObjectReferents> {
    const entry = this.refs.get(ref);
    if (!entry) throw new UnknownThreadError(`no object ${ref}: references expire when newer stacks of the thread are taken; read the stack again`);
    limit = Math.max(0, Math.min(limit, MAX_REFERENTS));
    const thread = entry.thread;
    const group = `${GROUP_PREFIX}${entry.stack}`;
    let listed: Array<ListedReferent & { objectId?: string }>;
    let total: number;
    if (entry.kind === 'locals') {
      // Innermost scope first; an inner variable hides an outer one of the same name.
      const all: Array<ListedReferent & { objectId?: string }> = [];
      const seen = new Set<string>();
      for (const scopeId of entry.scopeObjectIds) {
        const part = await this.guard(thread, thread.list(scopeId, 0, MAX_REFERENTS, group));
        for (const item of part) {
          if (seen.has(item.name)) continue;
          seen.add(item.name);
          all.push(item);
        }
      }
      total = all.length;
      listed = all.slice(offset, offset + limit);
    } else {
      const part = await this.guard(thread, thread.listWithTotal(entry.objectId, offset, limit, group));
      listed = part.items;
      total = part.total;
    }
    const depth = entry.depth + 1;
    const referents: ObjectReferent[] = listed.map((item) => {
      const referent: ObjectReferent = { name: item.name, type: item.type, size: item.size, preview: item.preview };
      if (item.objectId && depth < MAX_DEPTH) {
        referent.ref = this.addRef({ kind: 'object', thread, stack: entry.stack, depth, objectId: item.objectId });
      }
      return referent;
    });
    const retainedFrom = await this.addRetainedSizes(thread, listed, referents);
    return { ref, referents, total, offset, sizeKind: 'shallow-estimate', ...(retainedFrom ? { retainedFrom } : {}), depth: entry.depth, maxDepth: MAX_DEPTH };
  }

  /**
   * Retained sizes from the latest heap snapshot, for referents that existed then: V8's object
   * ids (`HeapProfiler.getHeapObjectId`) are the snapshot's node ids. An object whose class
   * differs from the snapshot's (ids reset by another client) gets none.
   */
  private async addRetainedSizes(
    thread: ThreadSession,
    listed: Array<ListedReferent & { objectId?: string }>,
    referents: ObjectReferent[],
  ): Promise<ObjectReferents['retainedFrom']> {
    const latest = this.sizes?.latest();
    if (!latest) return undefined;
    await Promise.all(
      listed.map(async (item, i) => {
        if (!item.objectId) return;
        try {
          const { heapSnapshotObjectId } = await thread.connection.send('HeapProfiler.getHeapObjectId', { objectId: item.objectId });
          const id = Number(heapSnapshotObjectId);
          if (!id) return;
          const node = await this.sizes!.lookup(latest.snapshot, id);
          const same = item.type === 'function' ? node?.type === 'closure' : node?.className === item.type;
          if (same && node?.retainedSize !== undefined) referents[i].retainedSize = node.retainedSize;
        } catch {
          // Not in the snapshot (newer), or not an object V8 tracks: no retained size.
        }
      }),
    );
    return latest;
  }

  private async thread(id: string): Promise<ThreadSession> {
    if (id === 'main') return this.main;
    if (!this.connection.sharedSession) await this.enableWorkers();
    const worker = this.workers.get(id);
    if (!worker) throw new UnknownThreadError(`no thread ${id}: GET /api/threads lists the threads`);
    worker.session ??= new ThreadSession(worker.info, new CdpConnection(new WorkerSessionTransport(this.connection, worker.sessionId)), {
      ...this.options,
      suspended: false,
    });
    return worker.session;
  }

  private enableWorkers(): Promise<void> {
    // Workers already running are announced (attachedToWorker) before the reply.
    this.workersEnabled ??= guard(this.connection.sendRaw('NodeWorker.enable', { waitForDebuggerOnStart: false }).then(() => {}));
    this.workersEnabled.catch(() => (this.workersEnabled = undefined));
    return this.workersEnabled;
  }

  private addRef(entry: RefEntry): string {
    const count = entry.thread.refCount.get(entry.stack) ?? 0;
    if (count >= MAX_REFS_PER_STACK) throw new TooManyObjectsError(`more than ${MAX_REFS_PER_STACK} objects expanded from one stack; read the stack again`);
    entry.thread.refCount.set(entry.stack, count + 1);
    const ref = `${entry.stack}.${this.nextRef++}`;
    this.refs.set(ref, entry);
    return ref;
  }

  private release(thread: ThreadSession, stack: number): void {
    for (const [ref, entry] of this.refs) if (entry.stack === stack) this.refs.delete(ref);
    thread.refCount.delete(stack);
    thread.connection.send('Runtime.releaseObjectGroup', { objectGroup: `${GROUP_PREFIX}${stack}` }).catch(() => {});
  }

  private forgetThread(session: ThreadSession | undefined): void {
    if (!session) return;
    for (const [ref, entry] of this.refs) if (entry.thread === session) this.refs.delete(ref);
    session.connection.close();
  }

  /** A worker's session that closes while the program lives means the worker ended: 404, not 503. */
  private async guard<T>(thread: ThreadSession, promise: Promise<T>): Promise<T> {
    try {
      return await guard(promise);
    } catch (e) {
      if (e instanceof TargetGoneError && thread.info.kind === 'worker' && !this.connection.isClosed) {
        throw new UnknownThreadError(`thread ${thread.info.id} (${thread.info.name}) has ended`);
      }
      throw e;
    }
  }

  /** Lets go of every object kept for stacks. */
  async dispose(): Promise<void> {
    const threads = [this.main, ...[...this.workers.values()].flatMap((w) => (w.session ? [w.session] : []))];
    for (const t of threads) for (const stack of t.stacks) this.release(t, stack);
    for (const t of threads) await t.release().catch(() => {});
    for (const w of this.workers.values()) w.session?.connection.close();
  }
}

type ListedReferent = ListedReferents['items'][number];

interface CapturedFrame {
  frame: Omit<StackFrame, 'localsRef' | 'scopes'>;
  /** Object ids (ours) of the frame's block and local scopes, innermost first. */
  locals: string[];
  scopes: Array<{ type: string; name?: string; objectId: string }>;
}

/** One thread's debugger: its pause state, scripts, sources and helpers. */
class ThreadSession {
  readonly stacks: number[] = [];
  readonly refCount = new Map<number, number>();
  private readonly scripts = new Map<string, string>();
  private readonly sources = new Map<string, Promise<string[] | undefined>>();
  private paused: Protocol.Debugger.PausedEvent | undefined;
  private pauseWaiter: ((event: Protocol.Debugger.PausedEvent) => void) | undefined;
  private isProxy: Promise<string | undefined> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Shared sessions only: until when a pause is taken for our own late one. */
  private lateOwnPause = 0;

  constructor(
    readonly info: ThreadInfo,
    readonly connection: CdpConnection,
    private readonly options: ThreadInspectorOptions,
  ) {
    connection.on('Debugger.scriptParsed', ({ scriptId, url }) => this.scripts.set(scriptId, url));
    connection.on('Debugger.paused', (event) => {
      const waiter = this.pauseWaiter;
      this.pauseWaiter = undefined;
      if (!waiter && this.lateOwnPause > Date.now() && !event.hitBreakpoints?.length && event.reason === 'other') {
        // The pause we asked for on an idle thread, arriving after we gave up: undo it.
        this.lateOwnPause = 0;
        connection.send('Debugger.resume').catch(() => {});
        return;
      }
      this.paused = event;
      waiter?.(event);
    });
    connection.on('Debugger.resumed', () => (this.paused = undefined));
  }

  rememberStack(stack: number, keep: number): number[] {
    this.stacks.push(stack);
    return this.stacks.splice(0, Math.max(0, this.stacks.length - keep));
  }

  /** Reads the stack; one capture at a time per thread. */
  capture(group: string): Promise<{ state: StackState; frames: CapturedFrame[] }> {
    // Over TCP, the program's messages during the read (the pause event above all) arrive at once.
    const run = this.queue.then(() => this.connection.keepAcknowledging(this.captureNow(group)));
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * Between reads a `debugger` statement in the program must not stop it with nobody to resume
   * it. Enabling the debugger costs a replay of every parsed script (a read that enables it
   * holds a small program ≈ 12 ms and answers in ≈ 70 ms, a following one ≈ 4 ms and ≈ 18 ms:
   * bench/stackReads.mjs), and a read that pays it each time falls into step with a program that
   * works in bursts (it always lands on the next burst's entry). So the debugger stays enabled for
   * `KEEP_ENABLED_MS` after a read, with every pause skipped (`setSkipAllPauses`) except while a
   * read asks for one; then it is disabled. A thread whose pause never came is either idle with
   * nothing to run or stopped by another client, whose pause is reported only to a session
   * enabled while it holds: a probe tells them apart (`pausedElsewhere`), and only the second is
   * read again with a fresh enable.
   */
  private async captureNow(group: string): Promise<{ state: StackState; frames: CapturedFrame[] }> {
    if (this.connection.sharedSession) {
      // The debugger's session: it is enabled already (enabling again replays its pause) and
      // must stay so. A pause that never came is undone when it comes (see the listener).
      await this.connection.send('Debugger.enable', {});
      const captured = await this.read(group);
      if (captured.state === 'idle' && !captured.frames.length) this.lateOwnPause = Date.now() + 30_000;
      return { state: captured.state, frames: captured.frames };
    }
    const wasEnabled = this.enabled;
    if (!this.enabled) await this.enable();
    this.keepEnabled();
    try {
      await this.connection.send('Debugger.setSkipAllPauses', { skip: false });
      let captured = await this.read(group);
      if (wasEnabled && captured.noPause && (await this.pausedElsewhere()) !== false) {
        // Paused by another client, which a session enabled before its pause is not told of.
        await this.disable();
        await this.enable();
        await this.connection.send('Debugger.setSkipAllPauses', { skip: false });
        captured = await this.read(group);
      }
      if (captured.state === 'idle' && !captured.frames.length) this.lateOwnPause = Date.now() + 30_000;
      return { state: captured.state, frames: captured.frames };
    } finally {
      await this.connection.send('Debugger.setSkipAllPauses', { skip: true }).catch(() => {});
    }
  }

  /**
   * After a `Debugger.pause` that never came: is the thread stopped in a pause of another
   * client's? Code evaluated in a pause runs on top of the paused frames, so a stack trace taken
   * there holds frames below the probe's own two; on a thread waiting in its event loop it holds
   * none. Pauses are skipped first, or our pending pause would stop the probe. Undefined when
   * the probe fails (then the caller assumes a pause).
   */
  private async pausedElsewhere(): Promise<boolean | undefined> {
    try {
      await this.connection.send('Debugger.setSkipAllPauses', { skip: true });
      const { result, exceptionDetails } = await this.connection.send(
        'Runtime.evaluate',
        { expression: PAUSE_PROBE, returnByValue: true, silent: true, objectGroup: HELPER_GROUP },
        { timeoutMs: 5_000 },
      );
      if (exceptionDetails || typeof result.value !== 'number') return undefined;
      return result.value > PROBE_OWN_FRAMES;
    } catch {
      return undefined;
    }
  }

  private enabled = false;
  private enabledUntil = 0;
  private disableTimer: NodeJS.Timeout | undefined;

  private async enable(): Promise<void> {
    this.paused = undefined;
    this.scripts.clear();
    await this.connection.send('Debugger.enable', {});
    await this.connection.send('Debugger.setSkipAllPauses', { skip: true });
    this.enabled = true;
  }

  private async disable(): Promise<void> {
    this.enabled = false;
    this.paused = undefined;
    await this.connection.send('Debugger.disable').catch(() => {});
  }

  /** Disables the debugger `KEEP_ENABLED_MS` after the latest read (after any read in progress). */
  private keepEnabled(): void {
    this.enabledUntil = Date.now() + KEEP_ENABLED_MS;
    if (this.disableTimer) return;
    const check = () => {
      const left = this.enabledUntil - Date.now();
      if (left > 0) {
        this.disableTimer = setTimeout(check, left);
        this.disableTimer.unref();
        return;
      }
      this.disableTimer = undefined;
      this.queue = this.queue.then(() => (this.enabled && this.enabledUntil <= Date.now() && !this.connection.isClosed ? this.disable() : undefined)).catch(() => {});
    };
    this.disableTimer = setTimeout(check, KEEP_ENABLED_MS);
    this.disableTimer.unref();
  }

  /** Turns the debugger off now (the inspector is being let go of). */
  async release(): Promise<void> {
    if (this.disableTimer) clearTimeout(this.disableTimer);
    this.disableTimer = undefined;
    this.enabledUntil = 0;
    if (this.enabled && !this.connection.isClosed && !this.connection.sharedSession) await this.disable();
  }

  /** `noPause`: the thread was not paused and our pause never came. */
  private async read(group: string): Promise<{ state: StackState; frames: CapturedFrame[]; noPause?: boolean }> {
    let event = this.paused;
    let state: StackState = 'paused';
    let wePaused = false;
    if (!event) {
      event = await this.pauseBriefly();
      if (!event) return { state: 'idle', frames: [], noPause: true };
      wePaused = true;
      state = this.info.kind === 'main' && this.options.suspended ? 'suspended' : 'running';
      // A pause asked of an idle thread lands where it next enters JavaScript: Node's own code
      // calling a timer or an I/O callback. Every read of a program that works in bursts would
      // show that entry and never the work, so pause again at once (twice at most): the second
      // pause lands in the work the entry leads to.
      for (let again = 0; again < 2 && this.entersNode(event); again++) {
        await this.connection.send('Debugger.resume').catch(() => {});
        const next = await this.pauseBriefly(50);
        if (!next) {
          // the callback ended before the pause: the thread is idle again, nothing paused
          return { state: 'idle', frames: [] };
        }
        event = next;
      }
    }
    let holderId: string | undefined;
    const callFrames = event.callFrames.slice(0, MAX_FRAMES);
    try {
      // While paused, move every scope object into our group in one call: the pause's own
      // references die when the thread resumes.
      const scopeObjects = callFrames.flatMap((f) => f.scopeChain.map((s) => s.object.objectId!));
      if (scopeObjects.length) {
        const holder = await this.connection.send('Runtime.callFunctionOn', {
          objectId: scopeObjects[0],
          functionDeclaration: 'function () { return Array.prototype.slice.call(arguments); }',
          arguments: scopeObjects.map((objectId) => ({ objectId })),
          objectGroup: group,
          silent: true,
        });
        holderId = holder.result.objectId;
      }
    } finally {
      // Always resume a pause we made, never one we found.
      if (wePaused) await this.connection.send('Debugger.resume').catch(() => {});
    }
    const ours: string[] = [];
    if (holderId) {
      const { result } = await this.connection.send('Runtime.getProperties', { objectId: holderId, ownProperties: true });
      for (const p of result) if (/^\d+$/.test(p.name) && p.value?.objectId) ours[Number(p.name)] = p.value.objectId;
      this.connection.send('Runtime.releaseObject', { objectId: holderId }).catch(() => {});
    }
    let k = 0;
    const frames: CapturedFrame[] = [];
    for (const f of callFrames) {
      const url = this.scripts.get(f.location.scriptId) ?? f.url ?? '';
      const line = f.location.lineNumber + 1;
      const locals: string[] = [];
      const scopes: CapturedFrame['scopes'] = [];
      for (const s of f.scopeChain) {
        const objectId = ours[k++];
        if (!objectId) continue;
        if (s.type === 'local' || s.type === 'block' || s.type === 'catch') locals.push(objectId);
        else scopes.push({ type: s.type, ...(s.name ? { name: s.name } : {}), objectId });
      }
      frames.push({
        frame: {
          function: f.functionName || '(anonymous)',
          url,
          line,
          column: (f.location.columnNumber ?? 0) + 1,
          ...(await this.context(f.location.scriptId, line)),
          internal: url.startsWith('node:') || url === PROFILER_SCRIPT_URL || (this.options.profilerUrls ?? []).includes(url),
        },
        locals,
        scopes,
      });
    }
    // Paused on entering Node's own code (a timer, an I/O callback): the thread was waiting in
    // its event loop, and these frames only show where it next entered JavaScript.
    if (state === 'running' && frames.every((f) => f.frame.url.startsWith('node:'))) state = 'idle';
    return { state, frames };
  }

  /** True when every frame of a pause is Node's own code (`node:`): the thread was entering a callback. */
  private entersNode(event: Protocol.Debugger.PausedEvent): boolean {
    const frames = event.callFrames.slice(0, MAX_FRAMES);
    return frames.length > 0 && frames.every((f) => (this.scripts.get(f.location.scriptId) ?? f.url ?? '').startsWith('node:'));
  }

  /** `Debugger.pause` and wait for it; nothing when the thread runs no JavaScript in time. */
  private async pauseBriefly(timeoutMs = this.options.pauseTimeoutMs ?? 500): Promise<Protocol.Debugger.PausedEvent | undefined> {
    const paused = new Promise<Protocol.Debugger.PausedEvent | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.pauseWaiter = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.pauseWaiter = (event) => {
        clearTimeout(timer);
        resolve(event);
      };
    });
    await this.connection.send('Debugger.pause');
    return paused;
  }

  private helper(): Promise<string | undefined> {
    this.isProxy ??= this.connection
      .send('Runtime.evaluate', {
        expression: `(globalThis.process && process.getBuiltinModule ? process.getBuiltinModule('util') : require('util')).types.isProxy`,
        includeCommandLineAPI: true,
        objectGroup: HELPER_GROUP,
        silent: true,
      })
      .then((r) => (r.exceptionDetails ? undefined : r.result.objectId))
      .catch(() => undefined);
    return this.isProxy;
  }

  /** Lists referents and returns their remote ids in `group`. */
  async listWithTotal(objectId: string, offset: number, limit: number, group: string): Promise<{ total: number; items: Array<ListedReferent & { objectId?: string }> }> {
    const isProxy = await this.helper();
    const reply = await this.connection.send('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: LIST_REFERENTS,
      arguments: [{ value: offset }, { value: limit }, isProxy ? { objectId: isProxy } : { value: null }],
      objectGroup: group,
      silent: true,
    });
    if (reply.exceptionDetails) throw new Error(`listing referents failed in the program: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
    const holderId = reply.result.objectId!;
    try {
      const { result } = await this.connection.send('Runtime.getProperties', { objectId: holderId, ownProperties: true });
      const byIndex = new Map(result.map((p) => [p.name, p.value]));
      const meta = JSON.parse(String(byIndex.get('0')?.value)) as ListedReferents;
      return {
        total: meta.total,
        items: meta.items.map((item, i) => ({ ...item, objectId: item.expandable ? byIndex.get(String(i + 1))?.objectId : undefined })),
      };
    } finally {
      this.connection.send('Runtime.releaseObject', { objectId: holderId }).catch(() => {});
    }
  }

  async list(objectId: string, offset: number, limit: number, group: string): Promise<Array<ListedReferent & { objectId?: string }>> {
    return (await this.listWithTotal(objectId, offset, limit, group)).items;
  }

  private async context(scriptId: string, line: number): Promise<Pick<StackFrame, 'context'>> {
    let lines = this.sources.get(scriptId);
    if (!lines) {
      lines = this.connection
        .send('Debugger.getScriptSource', { scriptId })
        .then((r) => r.scriptSource.split(/\r?\n/))
        .catch(() => undefined);
      this.sources.set(scriptId, lines);
      // A few recent scripts are enough: stacks revisit the same files.
      if (this.sources.size > 50) this.sources.delete(this.sources.keys().next().value!);
    }
    const all = await lines;
    if (!all) return {};
    const start = Math.max(1, line - CONTEXT_LINES);
    const end = Math.min(all.length, line + CONTEXT_LINES);
    return { context: { startLine: start, lines: all.slice(start - 1, end).map((l) => (l.length > MAX_LINE_CHARS ? l.slice(0, MAX_LINE_CHARS) + '…' : l)) } };
  }
}

/** A lost connection means the program is gone (HTTP 503). */
async function guard<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (e) {
    if (e instanceof ConnectionClosedError) throw new TargetGoneError(e.message);
    throw e;
  }
}
