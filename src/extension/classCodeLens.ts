/**
 * A code lens "Track instances of this class" above `class` declarations in JavaScript and
 * TypeScript files, while the profiler is attached to a running program. Classes are found by a
 * line pattern (no parser): `class Name`, `export class Name`, `export default class Name`…
 */
import * as vscode from 'vscode';
import type { Services } from './services';

const CLASS_DECLARATION = /^\s*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/;
const SELECTOR: vscode.DocumentSelector = ['javascript', 'typescript', 'javascriptreact', 'typescriptreact'].map((language) => ({ language }));

export class ClassCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly services: Services) {}

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const state = this.services.profiler.state;
    if (!state?.live || state.goneReason !== undefined) return [];
    const tracked = new Set(state.tracker.tracked.map((t) => t.name));
    const lenses: vscode.CodeLens[] = [];
    for (let line = 0; line < document.lineCount && line < 20_000; line++) {
      const m = CLASS_DECLARATION.exec(document.lineAt(line).text);
      if (!m) continue;
      const range = new vscode.Range(line, 0, line, 0);
      const name = m[1];
      lenses.push(
        new vscode.CodeLens(
          range,
          tracked.has(name)
            ? { title: `$(eye) ${name} is tracked: open its page`, command: 'memoryProfiler.openClassPage', arguments: [name] }
            : { title: 'Track instances of this class', command: 'memoryProfiler.trackClass', arguments: [name] },
        ),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerClassCodeLens(context: vscode.ExtensionContext, services: Services): void {
  const provider = new ClassCodeLensProvider(services);
  context.subscriptions.push(
    provider,
    vscode.languages.registerCodeLensProvider(SELECTOR, provider),
    services.profiler.onDidChange(() => provider.refresh()),
    services.profiler.onDidChangeTracker(() => provider.refresh()),
  );
}
