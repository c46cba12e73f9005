// Starts and stops code-server (VS Code 1.100.3 in a browser) for the tests, the way the recipe
// proved works as root on a machine without a display: PORT unset (it overrides --bind-addr), XDG
// folders and the config file in a scratch folder, its own process group (so every child — the
// extension host, js-debug, the debuggee — dies with it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync, closeSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** User settings that keep the workbench quiet and fast in tests. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'debug.openDebug': 'neverOpen',
  'debug.internalConsoleOptions': 'neverOpen',
  'git.openRepositoryInParentFolders': 'never',
  'git.enabled': false,
};

/** A TCP port nobody listens on right now. */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be listened on (nothing holds it). */
export function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function env(work, extra) {
  const e = { ...process.env, XDG_DATA_HOME: join(work, 'xdg-data'), XDG_CONFIG_HOME: join(work, 'xdg-config'), ...extra };
  delete e.PORT; // code-server honours $PORT over --bind-addr
  return e;
}

/** Makes a fresh user-data folder with the given extra user settings. */
export function prepareUserData(dir, settings = {}) {
  mkdirSync(join(dir, 'User'), { recursive: true });
  writeFileSync(join(dir, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
}

/** Installs a packaged extension into an extensions folder. */
export function installExtension(codeServer, work, { userDataDir, extensionsDir, vsix }) {
  const r = spawnSync(codeServer, ['--config', join(work, 'code-server.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix], {
    env: env(work, {}),
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`code-server --install-extension failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Starts code-server on a free port and waits for /healthz. Returns {url, port, pid, stop()}.
 * `extraEnv` reaches the extension host (and from there the debuggee).
 */
export async function startCodeServer(codeServer, work, options) {
  try {
    return await startOnce(codeServer, work, options);
  } catch (e) {
    // Seen once on a busy machine: an immediate exit. One retry on a new port costs ~1 s.
    options.log?.(`code-server (${options.name}) did not start, retrying once: ${e.message.split('\n')[0]}`);
    return await startOnce(codeServer, work, options);
  }
}

async function startOnce(codeServer, work, { name, userDataDir, extensionsDir, folder, extraEnv = {}, log }) {
  const port = await freePort();
  const logFile = join(work, `code-server-${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(
    codeServer,
    [
      '--config',
      join(work, 'code-server.yaml'),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      folder,
    ],
    { env: env(work, extraEnv), stdio: ['ignore', fd, fd], detached: true },
  );
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  let exited = null;
  child.on('exit', (code, signal) => (exited = signal ?? code));
  const handle = {
    url,
    port,
    pid: child.pid,
    logFile,
    /** Kills the whole process group: code-server, its extension hosts, debug adapters, debuggees. */
    stop() {
      killGroup(child.pid);
    },
  };
  registerForCleanup(handle);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`code-server exited (${exited}) before it answered:\n${tail(logFile)}`);
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) {
        log?.(`code-server (${name}) up at ${url}`);
        return handle;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  handle.stop();
  throw new Error(`code-server did not answer /healthz within 60 s:\n${tail(logFile)}`);
}

export function killGroup(pid, signal = 'SIGTERM') {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

const live = new Set();
function registerForCleanup(handle) {
  live.add(handle);
}

/** Stops every code-server this process started: TERM, then KILL for what is left. */
export async function stopAll() {
  const pids = [...live].map((h) => h.pid);
  live.clear();
  for (const pid of pids) killGroup(pid, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && pids.some(groupAlive)) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
}

/** Synchronous last resort, for process 'exit'. */
export function killAllNow() {
  for (const h of live) killGroup(h.pid, 'SIGKILL');
  live.clear();
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
