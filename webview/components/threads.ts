/**
 * Threads of the program (main and workers) and, per thread, its stack: each frame with a few
 * lines of source around the current one, and its local variables as a tree that expands level
 * by level (`/api/objects/:ref`: name, type, size, preview). In VS Code a frame's location opens
 * the file at the line (the panel is told through `host.openSource`). Everything shown comes
 * from the program and is set as text. Worded by the runtime: a Node program's other threads are
 * workers and reading a stack pauses it for a moment; a Python program's are threads, read
 * without being stopped.
 */
import type { ObjectReferent, StackFrame, ThreadInfo, ThreadStack } from '../../src/model';
import { type Api, errorText } from '../api';
import { h, setText, isolatedString } from '../dom';
import { formatBytes, formatClock } from '../format';
import { KeyedGrid } from './grid';
import { button, setAppearance } from './controls';
import { type RuntimeWords, runtimeWords } from '../runtime';

const STATES: Record<ThreadStack['state'], string> = {
  paused: 'paused by a debugger',
  suspended: 'suspended by the profiler',
  running: 'running (paused for a moment to read the stack)',
  idle: 'idle: waiting in its event loop',
};

export class ThreadsView {
  readonly element: HTMLElement;
  private readonly grid: KeyedGrid<ThreadInfo>;
  private readonly status = h('p', { class: 'muted', testid: 'threads-status' });
  private readonly stackBox = h('div', { testid: 'thread-stack' });
  private readonly buttons = h('div', { class: 'toolbar', testid: 'thread-buttons' });
  private current: string | undefined;
  private request = 0;
  private words: RuntimeWords = runtimeWords(undefined);
  private readonly readButton: HTMLElement;

  constructor(
    private readonly api: Api,
    private readonly signal: AbortSignal,
    private readonly openSource?: (url: string, line: number, column: number) => void,
  ) {
    this.grid = new KeyedGrid<ThreadInfo>(
      'threads',
      [
        { id: 'id', header: 'Id', width: '100px', value: (t) => t.id },
        { id: 'name', header: 'Name', width: '2fr', value: (t) => t.name },
        { id: 'kind', header: 'Kind', width: '1fr', value: (t) => (t.kind === 'main' ? 'main thread' : this.words.otherThread) },
        { id: 'url', header: 'Code', width: '3fr', value: (t) => t.url ?? '', tooltip: (t) => t.url ?? '' },
      ],
      (t) => t.id,
      'No thread information.',
    );
    // On demand: reading threads enables the debugger in the program, and a stack pauses it
    // for a moment; a page view alone should not do that.
    const read = (this.readButton = button({ testid: 'threads-read', appearance: 'secondary', attrs: { title: readTitle(this.words) } }, 'Read threads'));
    read.addEventListener('click', () => void this.load());
    setText(this.status, 'The program\u2019s main thread and worker threads, each with its stack, source and local variables.');
    this.grid.element.hidden = true;
    this.element = h('div', { class: 'threads' }, h('div', { class: 'toolbar' }, read, this.status), this.grid.element, this.buttons, this.stackBox);
  }

  /** The program's runtime, once known: its words for threads and stacks. */
  setRuntime(words: RuntimeWords): void {
    if (words === this.words) return;
    this.words = words;
    this.readButton.title = readTitle(words);
    this.reload();
  }

  /** Reads the threads again if they were read before (the refresh button). */
  reload(): void {
    if (!this.grid.element.hidden) void this.load();
  }

  async load(): Promise<void> {
    let threads: ThreadInfo[];
    try {
      threads = await this.api.threads(this.signal);
    } catch (e) {
      if (this.signal.aborted) return;
      setText(this.status, `Threads are not available: ${errorText(e)}`);
      this.grid.update([]);
      return;
    }
    setText(this.status, `${threads.length} thread${threads.length === 1 ? '' : 's'}. Pick one to read its stack.`);
    this.grid.element.hidden = false;
    this.grid.update(threads);
    this.buttons.replaceChildren(
      ...threads.map((t) => {
        const b = button({ testid: `thread-stack-${t.id}`, appearance: t.id === this.current ? 'primary' : 'secondary' }, `Stack of ${isolatedString(t.name)}`);
        b.addEventListener('click', () => void this.showStack(t.id));
        return b;
      }),
    );
  }

  async showStack(id: string): Promise<void> {
    this.current = id;
    for (const b of this.buttons.children) setAppearance(b, (b as HTMLElement).dataset.testid === `thread-stack-${id}` ? 'primary' : 'secondary');
    const request = ++this.request;
    this.stackBox.replaceChildren(h('p', { class: 'muted' }, 'Reading the stack…'));
    try {
      const stack = await this.api.stack(id, this.signal);
      if (request !== this.request) return;
      this.stackBox.replaceChildren(
        h('p', { testid: 'thread-state' }, `${isolatedString(stack.thread.name)}: ${this.stateText(stack.state)}, read at ${formatClock(stack.timestamp)}.`),
        stack.frames.length
          ? h('ol', { class: 'frames', testid: 'frames' }, ...this.frames(stack.frames, stack.state === 'suspended'))
          : h('p', { class: 'muted' }, this.words.noCodeOnStack),
      );
    } catch (e) {
      if (this.signal.aborted || request !== this.request) return;
      this.stackBox.replaceChildren(h('p', { class: 'error' }, `The stack could not be read: ${errorText(e)}`));
    }
  }

  private stateText(state: ThreadStack['state']): string {
    if (state === 'running' && !this.words.stackReadPauses) return 'running (its stack read as it runs, without stopping it)';
    return STATES[state] ?? state;
  }

  /**
   * The frames, innermost first, each run of internal ones (the profiler's own, such as
   * startProfiler's wait, and the runtime's) folded into one closed line: the program's frames
   * are what the reader came for. A stack of internal frames only (an idle thread's entry into
   * a timer: `processTimers`, `listOnTimeout`) is one folded line too.
   */
  private frames(frames: readonly StackFrame[], suspended: boolean): HTMLElement[] {
    const items: HTMLElement[] = [];
    for (let i = 0; i < frames.length;) {
      if (!frames[i].internal) {
        items.push(this.frame(frames[i], i, i === 0 || i === firstProgramFrame(frames)));
        i++;
        continue;
      }
      const start = i;
      while (i < frames.length && frames[i].internal) i++;
      const run = frames.slice(start, i);
      const inner = h('ol', { class: 'frames' }, ...run.map((f, k) => this.frame(f, start + k, false)));
      // Suspended by the profiler: the innermost frames are its own wait.
      const summary = h('summary', { testid: `folded-${start}` }, foldedLabel(run, suspended && start === 0));
      items.push(h('li', {}, h('details', { class: 'folded-frames', testid: 'folded-frames' }, summary, inner)));
    }
    return items;
  }

  private frame(f: StackFrame, index: number, open = index === 0 || (!f.internal && index < 3)): HTMLElement {
    const where = `${isolatedString(shortUrl(f.url))}:${f.line}:${f.column}`;
    const location = h('span', { class: 'muted' }, ` ${where}`);
    const summary = h('summary', { testid: `frame-${index}` }, h('strong', {}, f.function || '(anonymous)'), location);
    const body = h('div', { class: 'frame-body' });
    if (this.openSource && f.url) {
      const open = h('a', { attrs: { href: '#' }, testid: `frame-${index}-open` }, 'Open in editor');
      open.addEventListener('click', (e) => {
        e.preventDefault();
        this.openSource!(f.url, f.line, f.column);
      });
      body.append(open);
    }
    if (f.context) {
      body.append(
        h(
          'pre',
          { class: 'source', testid: `frame-${index}-source` },
          ...f.context.lines.map((line, k) => {
            const n = f.context!.startLine + k;
            return h('span', { class: `source-line${n === f.line ? ' current' : ''}` }, h('span', { class: 'line-no' }, String(n)), line);
          }),
        ),
      );
    }
    const locals = h('ul', { class: 'tree', testid: `frame-${index}-locals` });
    const localsToggle = h('details', { class: 'locals' }, h('summary', {}, 'Locals'), locals);
    let loaded = false;
    localsToggle.addEventListener('toggle', () => {
      if (!localsToggle.open || loaded) return;
      loaded = true;
      void this.fillReferents(locals, f.localsRef);
    });
    body.append(localsToggle);
    const details = h('details', { class: `frame${f.internal ? ' internal' : ''}` }, summary, body);
    if (open) details.open = true;
    return h('li', {}, details);
  }

  private async fillReferents(list: HTMLElement, ref: string): Promise<void> {
    list.replaceChildren(h('li', { class: 'muted' }, 'Reading…'));
    try {
      const r = await this.api.referents(ref, 0, 200, this.signal);
      list.replaceChildren(...r.referents.map((x) => this.referent(x)));
      if (!r.referents.length) list.append(h('li', { class: 'muted' }, 'nothing'));
      if (r.total > r.referents.length) list.append(h('li', { class: 'muted' }, `… ${r.total - r.referents.length} more`));
    } catch (e) {
      list.replaceChildren(h('li', { class: 'error' }, errorText(e)));
    }
  }

  private referent(x: ObjectReferent): HTMLElement {
    const label = [
      h('span', { class: 't-name' }, x.name),
      h('span', { class: 't-type' }, `: ${x.type}`),
      ' ',
      h('span', { class: 't-preview' }, x.preview),
      h('span', { class: 't-size' }, ` (${formatBytes(x.size)})`),
    ];
    if (!x.ref) return h('li', { testid: `local-${x.name}` }, h('span', { class: 'tree-leaf' }, ...label));
    const children = h('ul', { class: 'tree' });
    const details = h('details', { testid: `local-${x.name}` }, h('summary', {}, ...label), children);
    let loaded = false;
    details.addEventListener('toggle', () => {
      if (!details.open || loaded) return;
      loaded = true;
      void this.fillReferents(children, x.ref!);
    });
    return h('li', {}, details);
  }
}

function readTitle(words: RuntimeWords): string {
  return words.stackReadPauses ? 'Lists the threads; reading a stack pauses that thread for a moment' : 'Lists the threads; their stacks are read without stopping them';
}

function firstProgramFrame(frames: readonly StackFrame[]): number {
  return frames.findIndex((f) => !f.internal);
}

/** `2 frames of the profiler (…)`, `3 frames of the runtime (…)` (`node:` URLs), `4 internal frames (…)`: what a folded run holds. */
function foldedLabel(run: readonly StackFrame[], profiler: boolean): string {
  const count = `${run.length} frame${run.length === 1 ? '' : 's'}`;
  const names = run.map((f) => f.function || '(anonymous)');
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')}, …` : names.join(', ');
  const what = profiler ? `${count} of the profiler` : run.every((f) => f.url.startsWith('node:')) ? `${count} of the runtime` : `${count} of internal code`;
  return `${what} (${isolatedString(shown)})`;
}

function shortUrl(url: string): string {
  if (!url) return '(eval)';
  return url.replace(/^file:\/\//, '');
}
