// Installs what the browser and VS Code tests need when it is missing: Debian's chromium and
// python3 with python3-debugpy (apt, as root) and code-server from npm into .e2e/ (a cache outside node_modules, never bundled).
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CODE_SERVER_VERSION = '4.100.3'; // embeds VS Code 1.100.3; newer releases need node 24
export const E2E_DIR = resolve('.e2e');
export const CODE_SERVER = join(E2E_DIR, 'code-server', 'node_modules', '.bin', 'code-server');

function sh(cmd, env = {}) {
  console.log(`$ ${cmd}`);
  const r = spawnSync('bash', ['-c', cmd], { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`setup step failed (exit ${r.status}): ${cmd}`);
}

let aptUpdated = false;
function aptInstall(packages) {
  if (!aptUpdated) {
    sh('apt-get update -qq');
    aptUpdated = true;
  }
  sh(`apt-get install -y -qq ${packages.join(' ')} > /dev/null`, { DEBIAN_FRONTEND: 'noninteractive' });
}

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  aptInstall(['chromium']);
}

export const PYTHON = process.env.MEMORY_PROFILER_PYTHON || '/usr/bin/python3';

/** Debian's python3 with debugpy, for the Python agent's tests and the VS Code debugpy test. */
export function ensurePython() {
  const hasDebugpy = () => existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import debugpy'], { stdio: 'ignore' }).status === 0;
  if (hasDebugpy()) return;
  if (process.env.MEMORY_PROFILER_PYTHON) {
    console.log(`${PYTHON} has no debugpy: the VS Code Python test will fail`);
    return;
  }
  aptInstall(['python3', 'python3-debugpy']);
}

export function ensureCodeServer() {
  if (existsSync(CODE_SERVER)) return;
  const missing = ['rg', 'krb5-config', 'g++', 'make'].filter((bin) => spawnSync('which', [bin]).status !== 0);
  if (missing.length) aptInstall(['ripgrep', 'libkrb5-dev', 'build-essential', 'python3']);
  // @vscode/ripgrep's postinstall downloads rg from the internet; seed its cache with Debian's rg.
  const cache = join(tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const tarball = join(cache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (!existsSync(tarball)) {
    const stage = join(E2E_DIR, 'rg');
    mkdirSync(stage, { recursive: true });
    mkdirSync(cache, { recursive: true });
    cpSync(execSync('which rg').toString().trim(), join(stage, 'rg'));
    sh(`tar czf '${tarball}' -C '${stage}' rg`);
  }
  const dir = join(E2E_DIR, 'code-server');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) sh(`cd '${dir}' && echo '{"private":true}' > package.json`);
  // As root its postinstall needs unsafe_perm; node-pty runs `npx node-gyp` (yes); headers are in /usr.
  sh(
    `cd '${dir}' && npm install --no-save --no-audit --no-fund --foreground-scripts=false code-server@${CODE_SERVER_VERSION} > install.log 2>&1 || (tail -40 install.log; exit 1)`,
    {
      npm_config_unsafe_perm: 'true',
      npm_config_yes: 'true',
      npm_config_nodedir: '/usr',
      // npm 11 skips dependencies' install scripts unless allowed; code-server's postinstall installs VS Code.
      npm_config_dangerously_allow_all_scripts: 'true',
    },
  );
}
