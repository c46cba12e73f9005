// The README's install commands and library snippets, run as a user would: in a scratch project
// where the package is installed under its name (a link to this repository with npm's bin links),
// each snippet saved under the file name its first line gives. The only change: free ports for
// 8090 and 9229, which may be taken on a test machine.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { TargetInfo } from '../../src/model';
import { Program, ROOT, getJson, startInspected } from '../helpers/programs';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
const project = mkdtempSync(join(tmpdir(), 'mp-readme-'));
const running: Program[] = [];
after(() => {
  for (const p of running) {
    try {
      process.kill(-p.child.pid!, 'SIGKILL');
    } catch {
      p.kill();
    }
  }
  rmSync(project, { recursive: true, force: true });
});

/** The fenced blocks of one README section. */
function blocks(section: string, language: string): string[] {
  const start = readme.indexOf(`\n## ${section}\n`);
  assert.ok(start >= 0, `README has a "${section}" section`);
  const end = readme.indexOf('\n## ', start + 4);
  const text = readme.slice(start, end < 0 ? undefined : end);
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]);
}

/** What `npm install --save-dev <name>` leaves: node_modules/<name> and its bin links. */
function installHere(): void {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', private: true, devDependencies: { [manifest.name]: '*' } }));
  mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(ROOT, join(project, 'node_modules', manifest.name));
  for (const [bin, file] of Object.entries(manifest.bin)) {
    symlinkSync(join('..', manifest.name, file), join(project, 'node_modules', '.bin', bin));
    chmodSync(join(ROOT, file), 0o755); // as npm does to a package's bins when it installs it
  }
}

/** Started in a process group of its own, as a shell starts a job: Ctrl+C goes to the group. */
function run(command: string, args: string[], env: Record<string, string> = {}): Program {
  const p = new Program(spawn(command, args, { cwd: project, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env }, detached: true }));
  running.push(p);
  return p;
}

describe('README', () => {
  test('installs under a name that is the package name and a bin of it, and runs a program with npx', async () => {
    const [install] = blocks('Install in your project', 'sh');
    const lines = install
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/\s+#.*$/, ''));
    assert.equal(lines[0], `npm install --save-dev ${manifest.name}`);
    assert.equal(manifest.bin[manifest.name], 'dist/cli.js', 'npx <name> finds a bin of the same name');
    assert.equal(manifest.bin['memory-profiler'], 'dist/cli.js');
    assert.doesNotMatch(readme, /require\('memory-profiler'\)|from 'memory-profiler'/, "no snippet names the other project's package");
    installHere();
    writeFileSync(join(project, 'app.js'), `console.log(JSON.stringify({ ready: true, pid: process.pid }));\nsetInterval(() => {}, 1000);\n`);
    const [npx, ...args] = lines[1].split(/\s+/);
    assert.deepEqual([npx, ...args], ['npx', manifest.name, 'run', '--', 'node', 'app.js']);
    const p = run('npx', [...args.slice(0, 2), '--port', '0', ...args.slice(2)]);
    const url = (await p.waitFor(/profiling node app\.js \(pid \d+\) at (http:\S+)/, 30_000, 'stderr'))[1];
    const { pid } = await p.json<{ pid: number }>('ready');
    assert.equal((await getJson<TargetInfo>(url + 'api/target')).body.pid, pid);
    process.kill(-p.child.pid!, 'SIGINT'); // Ctrl+C in a terminal: npx and the CLI under it
    await p.exited;
  });

  test('every library snippet runs as given', async () => {
    const snippets = blocks('Library', 'js').filter((code) => /^\/\/ [\w-]+\.m?js\b/.test(code));
    assert.ok(snippets.length >= 4, `${snippets.length} named snippets`);
    const inspected = await startInspected('holder.js');
    running.push(inspected.program);
    for (const code of snippets) {
      const file = /^\/\/ ([\w-]+\.m?js)/.exec(code)![1];
      writeFileSync(join(project, file), code.replaceAll('port: 8090', 'port: 0').replaceAll('9229', String(inspected.port)));
      const p = run(process.execPath, [file]);
      // A snippet that serves until Ctrl+C answers at the URL it printed; one that ends ends well.
      const url = /(http:\/\/\S+\/)/.exec((await p.waitFor(/http:\/\/\S+\//, 60_000))[0])![1];
      const status = await getJson(url + 'api/target').then(
        (r) => r.status,
        () => null,
      );
      if (status === null) assert.equal((await p.exited).code, 0, `${file}: ${p.stderrLines.join('\n')}`);
      else {
        assert.equal(status, 200, file);
        if (file === 'tracker.js') assert.equal((await p.waitFor(/^(\d+) snapshots in the dump$/, 60_000))[1], '2');
        p.child.kill('SIGINT');
        await p.exited;
      }
      assert.deepEqual(
        p.stderrLines.filter((l) => !/^memory-profiler: /.test(l)),
        [],
        `${file} printed no error`,
      );
      assert.ok(
        p.lines.some((l) => /http:\/\//.test(l)),
        `${file} printed its URL`,
      );
    }
  });
});
