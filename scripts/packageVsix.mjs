// Packages the extension as a .vsix holding only what runs in VS Code. package.json's "files" is
// the npm package's allow-list (library + CLI), and vsce refuses a .vscodeignore next to "files",
// so the .vsix is packaged from a staging folder: the manifest (minus npm-only keys), the
// extension bundle, the UI bundle, icons, the extension's README (docs/extension-README.md),
// CHANGELOG and LICENSE. Source maps stay out.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the .vsix may hold (besides vsce's own [Content_Types].xml and extension.vsixmanifest). */
export const VSIX_ALLOWED = [
  /^extension\/package\.json$/,
  /^extension\/(readme|changelog|license)(\.md|\.txt)?$/i,
  /^extension\/dist\/extension\.js$/,
  /^extension\/dist\/\w+Worker\.js$/,
  /^extension\/dist\/webview\/[^/]+\.(js|css)$/,
  /^extension\/media\/.+\.(svg|png|css)$/,
  // The Python agent, loaded into debugpy sessions' programs.
  /^extension\/python\/memory_profiler_agent\/\w+\.py$/,
];

export async function packageVsix(root, work, log) {
  const stage = join(work, 'vsix-stage');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'dist', 'webview'), { recursive: true });

  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const key of ['files', 'scripts', 'devDependencies', 'exports', 'types', 'bin']) delete manifest[key];
  writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2));

  const copy = (from, to = from) => {
    if (existsSync(join(root, from))) cpSync(join(root, from), join(stage, to), { recursive: true, filter: (src) => !src.endsWith('.map') });
  };
  if (!existsSync(join(root, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
  if (!existsSync(join(root, 'dist', 'webview', 'app.js'))) throw new Error('dist/webview/app.js is missing: run `npm run build` first');
  copy('dist/extension.js');
  for (const f of readdirSync(join(root, 'dist'))) if (/^\w+Worker\.js$/.test(f)) copy(`dist/${f}`); // worker threads the server may start
  copy('dist/webview');
  copy('media');
  cpSync(join(root, 'python', 'memory_profiler_agent'), join(stage, 'python', 'memory_profiler_agent'), {
    recursive: true,
    filter: (src) => !src.includes('__pycache__') && !src.endsWith('.pyc'),
  });
  for (const f of ['CHANGELOG.md', 'LICENSE', 'LICENSE.md']) copy(f);
  // Extension users get their own README (install, Start on a debug session, the sidebar,
  // settings), not the repository's, which opens with developer commands.
  if (existsSync(join(root, 'docs', 'extension-README.md'))) cpSync(join(root, 'docs', 'extension-README.md'), join(stage, 'README.md'));
  if (!existsSync(join(stage, 'README.md'))) writeFileSync(join(stage, 'README.md'), `# ${manifest.displayName}\n\n${manifest.description}\n`);

  const vsix = join(work, `${manifest.name}-${manifest.version}.vsix`);
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const args = [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '-o', vsix];
  if (!existsSync(join(stage, 'LICENSE')) && !existsSync(join(stage, 'LICENSE.md'))) args.push('--skip-license');
  const r = spawnSync(process.execPath, args, { cwd: stage, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`vsce package failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);

  const listing = spawnSync('unzip', ['-Z1', vsix], { encoding: 'utf8' });
  const entries = listing.status === 0 ? listing.stdout.split('\n').filter(Boolean) : listVsixWithNode(vsix);
  const unexpected = entries.filter((e) => e.startsWith('extension/') && !VSIX_ALLOWED.some((re) => re.test(e)));
  if (unexpected.length) throw new Error(`the .vsix holds files that do not run in VS Code:\n  ${unexpected.join('\n  ')}`);
  for (const needed of ['extension/dist/extension.js', 'extension/dist/webview/app.js', 'extension/package.json', 'extension/python/memory_profiler_agent/__init__.py']) {
    if (!entries.includes(needed)) throw new Error(`the .vsix lacks ${needed}`);
  }
  log?.(`packaged ${vsix.split('/').pop()}: ${entries.length} entries`);
  return vsix;
}

/** Central-directory file names of a zip, for machines without `unzip`. */
function listVsixWithNode(file) {
  const buf = readFileSync(file);
  const names = [];
  for (let i = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])), n = buf.readUInt16LE(i + 10), p = buf.readUInt32LE(i + 16); n > 0; n--) {
    const nameLength = buf.readUInt16LE(p + 28);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLength));
    p += 46 + nameLength + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32);
  }
  return names;
}

// `npm run package`: the .vsix into the repository root.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { statSync } = await import('node:fs');
  const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
  const vsix = await packageVsix(root, root, console.log);
  console.log(`${vsix.split('/').pop()}: ${(statSync(vsix).size / 1024).toFixed(0)} KiB`);
  rmSync(join(root, 'vsix-stage'), { recursive: true, force: true });
}
