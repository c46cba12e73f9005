// The project's boundaries as lint rules (DESIGN.md's layers), run by `npm test` through
// scripts/lint.mjs. The linter is installed apart, in tools/lint/ (see its package.json).
import { createRequire } from 'node:module';

const tseslint = createRequire(new URL('./tools/lint/package.json', import.meta.url))('typescript-eslint');

const restrict = (...patterns) => ['error', { patterns }];
/** Relative imports that reach the named top-level folders of src/ from one level below it. */
const folders = (...names) => ({ regex: `^(\\.\\./)+(${names.join('|')})(/|$)`, message: `dependencies point down: this layer may not import ${names.join(', ')}` });
const vscodeOnlyInExtension = { group: ['vscode'], message: 'vscode is imported only in src/extension/' };
const cdpOnlyInNodeTarget = { regex: '(^|/)cdp(/|$)', message: 'the DevTools protocol is spoken only in src/targets/node/ (import its connect helpers from there)' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/snapshots/**', '.e2e/**', 'tools/**', 'media/**', '**/*.d.ts'] },
  {
    files: ['src/**/*.ts', 'webview/**/*.ts', 'test/**/*.ts', 'bench/**/*.{ts,mjs,js}', 'scripts/**/*.mjs', 'build.mjs'],
    extends: [tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // TypeScript's own checks (strict, noUnused*) already cover these.
      '@typescript-eslint/no-unused-vars': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, cdpOnlyInNodeTarget),
      'no-restricted-syntax': [
        'error',
        {
          selector: "BinaryExpression[operator='instanceof'][right.name=/^(Node|Offline|Python)Target$/]",
          message: 'ask the target for a capability (need(target, …)) instead of branching on its class',
        },
      ],
    },
  },
  { files: ['src/targets/**/*.ts', 'test/**/*.ts'], rules: { 'no-restricted-syntax': 'off' } },
  { files: ['test/vscode/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': restrict(cdpOnlyInNodeTarget) } },
  { files: ['src/extension/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': restrict(cdpOnlyInNodeTarget) } },
  { files: ['src/cdp/**/*.ts', 'src/targets/node/**/*.ts', 'test/unit/cdp/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension) } },
  {
    files: ['src/model/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, { regex: '^\\.\\./', message: 'src/model/ is plain data types: it imports nothing' }) },
  },
  {
    files: ['src/heap/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, { regex: '^\\.\\./(?!model(/|$))', message: 'src/heap/ imports nothing but src/model/' }),
    },
  },
  {
    files: ['src/cdp/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, { regex: '^\\.\\./(?!model(/|$))', message: 'src/cdp/ imports nothing but src/model/' }) },
  },
  {
    files: ['src/targets/**/*.ts'],
    ignores: ['src/targets/node/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, cdpOnlyInNodeTarget, folders('garbage', 'tracker', 'server', 'host', 'cli', 'extension')),
    },
  },
  {
    files: ['src/targets/node/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, folders('garbage', 'tracker', 'server', 'host', 'cli', 'extension')) },
  },
  {
    files: ['src/garbage/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, cdpOnlyInNodeTarget, folders('targets', 'tracker', 'server', 'host', 'cli', 'extension')),
    },
  },
  {
    files: ['src/tracker/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, cdpOnlyInNodeTarget, folders('server', 'host', 'cli', 'extension')) },
  },
  {
    files: ['src/server/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, cdpOnlyInNodeTarget, folders('host', 'cli', 'extension')) },
  },
  { files: ['src/host/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, cdpOnlyInNodeTarget, folders('cli', 'extension')) } },
  { files: ['src/cli/**/*.ts'], rules: { '@typescript-eslint/no-restricted-imports': restrict(vscodeOnlyInExtension, cdpOnlyInNodeTarget, folders('extension')) } },
  {
    files: ['webview/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(
        vscodeOnlyInExtension,
        { group: ['**/src/model', '**/src/model/*'], allowTypeImports: true, message: 'webview/ takes only types from src/model/' },
        { regex: '(^|/)src/(?!model(/|$))', message: 'webview/ is browser code: from src/ it takes only types from src/model/' },
      ),
    },
  },
);
