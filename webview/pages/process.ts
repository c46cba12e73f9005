/**
 * Process (`/process`): the program's command line argument by argument and the operating
 * system's own account of it (`/proc/<pid>/status` rows on Linux), and its threads with their
 * stacks, source context and locals.
 */
import type { ProcessInfo, TargetInfo } from '../../src/model';
import { KeyedGrid } from '../components/grid';
import { ProgramHeader } from '../components/programHeader';
import { section } from '../components/section';
import { ThreadsView } from '../components/threads';
import { h, setText } from '../dom';
import { runtimeWords } from '../runtime';
import type { PageContext, PageModule, PageView } from './page';

export const processPage: PageModule = {
  id: 'process',
  title: 'Process',
  path: '/process',
  create: (context) => new ProcessPage(context),
};

class ProcessPage implements PageView {
  readonly element: HTMLElement;
  private readonly program = new ProgramHeader();
  private readonly argv = new KeyedGrid<{ index: number; value: string }>(
    'argv-table',
    [
      { id: 'index', header: '#', width: '56px', numeric: true, value: (a) => String(a.index) },
      { id: 'value', header: 'Argument', width: '1fr', value: (a) => a.value, tooltip: (a) => a.value },
    ],
    (a) => String(a.index),
    'No command line is known.',
  );
  private readonly statusTitle = h('span', {}, 'Operating system status');
  private readonly status = new KeyedGrid<[string, string]>(
    'os-status',
    [
      { id: 'field', header: 'Field', width: 'minmax(160px, 1fr)', value: (r) => r[0] },
      { id: 'value', header: 'Value', width: '3fr', value: (r) => r[1], tooltip: (r) => r[1] },
    ],
    (r) => r[0],
    'The operating system gives no status rows for this program (only Linux has /proc).',
  );
  private readonly unsubscribe: () => void;
  private readonly abort = new AbortController();
  private readonly threads: ThreadsView;
  private readonly threadsSection: HTMLElement;

  constructor(context: PageContext) {
    this.threads = new ThreadsView(context.api, this.abort.signal, context.openSource);
    const statusSection = section('os-status', 'Operating system status', this.status.element);
    statusSection.querySelector('h2')?.replaceChildren(this.statusTitle);
    this.element = h(
      'div',
      { class: 'page', testid: 'page-process' },
      this.program.element,
      section('argv', 'Command line', this.argv.element),
      (this.threadsSection = section('threads', 'Threads', this.threads.element)),
      statusSection,
    );
    this.unsubscribe = context.live.subscribe((state) => {
      this.program.update(state.target);
      this.updateTarget(state.target);
      this.updateProcess(state.process);
    });
  }

  private updateTarget(target: TargetInfo | undefined): void {
    if (!target) return;
    this.argv.update(target.argv.map((value, index) => ({ index, value })));
    this.threads.setRuntime(runtimeWords(target));
    // Saved files (and runtimes without it) have no threads to read: no button that can only fail.
    this.threadsSection.hidden = !target.capabilities.includes('threads');
  }

  private updateProcess(p: ProcessInfo | undefined): void {
    if (!p) return;
    setText(this.statusTitle, p.osSpecific.length ? `/proc/${p.pid}/status` : 'Operating system status');
    this.status.update(p.osSpecific);
  }

  refresh(): void {
    this.threads.reload();
  }

  dispose(): void {
    this.abort.abort();
    this.unsubscribe();
  }
}
