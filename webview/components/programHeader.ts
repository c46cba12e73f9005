/**
 * The profiled program at the top of a page: its title, pid, runtime and command line. All of it
 * comes from the program, so it is set as text only.
 */
import type { TargetInfo } from '../../src/model';
import { h, setText } from '../dom';

export class ProgramHeader {
  readonly element: HTMLElement;
  private readonly title = h('h1', { id: 'target-title', testid: 'target-title', class: 'program-title' }, '\u00a0');
  private readonly pid = h('span', { id: 'pid', testid: 'pid', class: 'mono' }, '—');
  private readonly runtime = h('span', { id: 'runtime', testid: 'runtime' }, '—');
  private readonly kind = h('span', { id: 'target-kind', testid: 'target-kind' }, '—');
  private readonly argv = h('code', { id: 'argv', testid: 'argv', class: 'argv' }, '\u00a0');

  constructor() {
    this.element = h(
      'header',
      { class: 'program', testid: 'program' },
      this.title,
      h(
        'dl',
        { class: 'program-facts' },
        h('div', {}, h('dt', {}, 'PID'), h('dd', {}, this.pid)),
        h('div', {}, h('dt', {}, 'Runtime'), h('dd', {}, this.runtime)),
        h('div', {}, h('dt', {}, 'Kind'), h('dd', {}, this.kind)),
      ),
      this.argv,
    );
  }

  update(target: TargetInfo | undefined): void {
    if (!target) return;
    setText(this.title, displayTitle(target));
    setText(this.pid, target.pid === undefined ? '—' : String(target.pid));
    setText(this.runtime, target.runtime || '—');
    setText(this.kind, target.kind === 'live' ? 'live program' : 'saved data');
    const command = target.argv.map(quoteArg).join(' ');
    setText(this.argv, command || '\u00a0', command);
  }
}

/**
 * Node's default process title is the executable's path (`/usr/bin/node`), which says nothing:
 * then the script (the first argument that is not an option) names the program better.
 */
function displayTitle(target: TargetInfo): string {
  const title = target.title || '';
  const executable = target.argv[0] ?? '';
  if (title && title !== executable && !/(^|\/)node(\.exe)?$/.test(title)) return title;
  const script = target.argv.slice(1).find((a) => !a.startsWith('-'));
  return script ? script.split(/[\\/]/).pop()! : title || '(untitled program)';
}

/** Shell-style quoting for display, so arguments with spaces stay readable. */
export function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
