// Builds every bundle with esbuild: extension host, CLI, library, worker threads and the browser UI.
// `node build.mjs --watch` rebuilds on change. Type declarations for the library come from tsc.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/webview', { recursive: true });

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // ws's optional native helpers; it falls back to JavaScript without them.
  external: ['vscode', 'bufferutil', 'utf-8-validate'],
  define: { PACKAGE_VERSION: JSON.stringify(pkg.version) },
};

const builds = [
  { ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { index: 'src/index.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: { heapWorker: 'src/heap/worker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { heapParseWorker: 'src/heap/parseWorker.ts' }, outdir: 'dist' },
  // loaded by the heap worker on first use (see newExpressionFinder in src/heap/worker.ts)
  { ...node, entryPoints: { heapSourceParser: 'src/heap/newExpressions.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { profilerWorker: 'src/host/backgroundWorker.ts' }, outdir: 'dist' },
  {
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: { app: 'webview/main.ts' },
    outdir: 'dist/webview',
    loader: { '.css': 'css' },
  },
];

const contexts = await Promise.all(builds.filter((b) => Object.values(b.entryPoints).every((e) => existsSync(e))).map((b) => esbuild.context(b)));
await Promise.all(contexts.map((c) => c.rebuild()));
cpSync('src/cli/demo/leakyApp.js', 'dist/demo/leakyApp.js');
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.dispose()));
}
if (!process.argv.includes('--no-types')) {
  try {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.lib.json'], { stdio: 'inherit' });
  } catch {
    console.error("build: the library's type declarations did not compile (errors above)");
    process.exit(1);
  }
}
