/**
 * The line of the `new` that made an object, on its allocation stack: V8 names each frame's
 * function by where the function starts, so the frame that ran `new C` is found in the script's
 * source (parsed in the heap worker, see newExpressions.ts) and given `newAt`.
 */
import type { AllocationSite, HeapAllocationFrame } from '../model/heap';
import type { HeapWorkerClient } from './client';
import { isProgramFrame } from './frames';
import type { NewExpressionAnswer, NewExpressionQuery } from './newExpressions';

/** Reads the script a frame names; undefined when it cannot be read. */
export type ScriptSourceReader = (frame: HeapAllocationFrame) => Promise<string | undefined>;

/** Constructors passed on the way down to the `new` (a class that extends another allocates in its base's call). */
const MAX_CONSTRUCTORS = 8;

/** Longest wait for the lines of one class's stacks. */
const MARK_TIMEOUT_MS = 3_000;

/** Sampled sites looked at for one class (the largest first). */
const MAX_SAMPLED_SITES = 100;

/** Answers per function and class, kept for the session (a script's functions do not move while it runs). */
export class NewSites {
  private readonly answers = new Map<string, NewExpressionAnswer>();
  private readonly marked = new WeakSet<HeapAllocationFrame[]>();

  constructor(
    private readonly client: () => HeapWorkerClient,
    private readonly read: ScriptSourceReader,
  ) {}

  /**
   * Gives `newAt` to the frame that ran the `new` of each stack (innermost first) of objects of
   * `className`: the innermost frame of the program, past class constructors, whose function holds a
   * `new <className>`. Stacks seen before are left as they are; what cannot be found stays unmarked.
   */
  async mark(className: string, stacks: HeapAllocationFrame[][]): Promise<void> {
    // (bounded: a snapshot's summary waits for it, and a script that cannot be read in time is one without a line)
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, MARK_TIMEOUT_MS)));
    await Promise.race([this.markAll(className, stacks), late]).finally(() => clearTimeout(timer));
  }

  private async markAll(className: string, stacks: HeapAllocationFrame[][]): Promise<void> {
    // per stack, the frame being looked at (past the constructors so far)
    let pending = stacks.filter((s) => !this.marked.has(s)).map((stack) => ({ stack, at: stack.findIndex(isProgramFrame), passed: 0 }));
    for (const p of pending) this.marked.add(p.stack);
    pending = pending.filter((p) => p.at >= 0);
    while (pending.length) {
      await this.answer(
        className,
        pending.map((p) => p.stack[p.at]),
      );
      const next: typeof pending = [];
      for (const p of pending) {
        const frame = p.stack[p.at];
        const answer = this.answers.get(keyOf(frame, className));
        if (!answer) continue;
        if (answer.news.length) {
          const [first, ...rest] = answer.news;
          frame.newAt = rest.length ? { ...first, others: rest.length } : first;
          continue;
        }
        if (!answer.constructor || ++p.passed > MAX_CONSTRUCTORS) continue;
        let at = p.at + 1;
        while (at < p.stack.length && !isProgramFrame(p.stack[at])) at++;
        if (at < p.stack.length) next.push({ ...p, at });
      }
      pending = next;
    }
  }

  /**
   * Where objects of `className` were probably made, from sampled allocation sites (functions of
   * the program by the live bytes they allocated, whatever the class): the site of most live
   * bytes whose function holds a `new <className>`, with `newAt`; undefined when none does.
   */
  async sampledSite(className: string, sites: AllocationSite[]): Promise<AllocationSite | undefined> {
    const frames = sites.filter(isProgramFrame).slice(0, MAX_SAMPLED_SITES);
    await this.answer(className, frames);
    let best: AllocationSite | undefined;
    for (const site of frames) {
      const news = this.answers.get(keyOf(site, className))?.news;
      if (!news?.length || (best && best.liveBytes >= site.liveBytes)) continue;
      const [first, ...rest] = news;
      best = { ...site, newAt: rest.length ? { ...first, others: rest.length } : first };
    }
    return best;
  }

  /** Fills `answers` for these frames, a script at a time. */
  private async answer(className: string, frames: HeapAllocationFrame[]): Promise<void> {
    const byScript = new Map<string, { frame: HeapAllocationFrame; queries: Map<string, NewExpressionQuery> }>();
    for (const frame of frames) {
      const key = keyOf(frame, className);
      if (this.answers.has(key)) continue;
      let script = byScript.get(frame.scriptName);
      if (!script) byScript.set(frame.scriptName, (script = { frame, queries: new Map() }));
      script.queries.set(key, { line: frame.line, column: frame.column, className });
    }
    for (const { frame, queries } of byScript.values()) {
      const source = await this.read(frame).catch(() => undefined);
      const list = [...queries.values()];
      const answers = source === undefined ? list.map(() => null) : await this.client().newExpressions(source, list);
      [...queries.keys()].forEach((key, i) => this.answers.set(key, answers[i]));
    }
  }
}

function keyOf(frame: HeapAllocationFrame, className: string): string {
  return `${frame.scriptName}\n${frame.line}\n${frame.column}\n${className}`;
}
