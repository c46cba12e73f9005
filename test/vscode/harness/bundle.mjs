// Bundles what the tests run: the extension (through the repo's build.mjs when dist/ lacks it)
// and the mocha suite (each `suite/*.ts` to `out/vscode-tests/*.js`, run inside the extension
// host). `vscode` comes from the host; `mocha` is resolved at run time from the repo's
// node_modules (the bundle lives inside the repo, so Node finds it by walking up).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function buildExtensionIfMissing(root, log) {
  if (existsSync(join(root, 'dist', 'extension.js')) && !process.env.MEMORY_PROFILER_REBUILD) return;
  log?.('building the extension (node build.mjs --no-types)');
  const r = spawnSync(process.execPath, ['build.mjs', '--no-types'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`build.mjs failed (exit ${r.status})`);
}

export async function bundleSuite(root, outdir) {
  const suiteDir = join(root, 'test', 'vscode', 'suite');
  const entryPoints = readdirSync(suiteDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(suiteDir, f));
  rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    external: ['vscode', 'mocha', 'bufferutil', 'utf-8-validate'],
  });
  return join(outdir, 'index');
}
