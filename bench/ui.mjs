// The UI at real sizes, in Debian's Chromium (playwright-core), against the real server:
//  1. the heap page's class table with 100 000 classes (a real snapshot of a program holding one
//     instance each of 100 000 classes): time to show it, to filter, to sort, and per scroll
//     step (a frame budget is 16.7 ms);
//  2. graph layout (vis-network, the UI's GraphView) from 100 to 5 000 nodes, and 10 000 nodes
//     reduced to the largest 5 000, inside a page with the server's CSP.
// Prints a table and writes bench/RESULTS-ui.md. Run after `npm run build`:
//   node bench/ui.mjs [--classes 100000] [--keep <dir>]
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const CLASSES = Number(arg('--classes', '100000'));
const keep = arg('--keep');
const dir = keep ?? mkdtempSync(join(tmpdir(), 'mp-bench-ui-'));
const snapshot = join(dir, `classes-${CLASSES}.heapsnapshot`);
const rows = [];
const note = (what, value, detail = '') => {
  rows.push({ what, value, detail });
  console.log(`${what.padEnd(52)} ${String(value).padStart(12)}  ${detail}`);
};
const ms = (x) => `${x.toFixed(1)} ms`;
const pct = (list, p) => list.slice().sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor((p / 100) * list.length))];

if (!existsSync(join(root, 'dist', 'webview', 'app.js'))) throw new Error('build first: npm run build');

// ---- 1. A real snapshot with many classes, served by the real server --------------------------
let t = Date.now();
const reused = existsSync(snapshot);
if (!reused) execFileSync(process.execPath, [join(root, 'test/fixtures/browser/manyClasses.js'), snapshot, String(CLASSES)], { stdio: 'ignore' });
note(
  'snapshot written (fixture program)',
  reused ? 'reused' : `${((Date.now() - t) / 1000).toFixed(1)} s`,
  `${CLASSES.toLocaleString('en-US')} classes${reused ? ' (--keep: written by an earlier run)' : ''}`,
);

const server = spawn(process.execPath, [join(root, 'dist/cli.js'), 'open', snapshot, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
const origin = await new Promise((resolve, reject) => {
  let out = '';
  const onData = (d) => {
    out += d;
    const m = /serving .* at (http:\/\/\S+?)\/?$/m.exec(out);
    if (m) resolve(m[1].replace('localhost', '127.0.0.1'));
  };
  server.stdout.on('data', onData);
  server.stderr.on('data', onData);
  server.once('exit', (code) => reject(new Error(`the server exited (${code}): ${out}`)));
});

let chromiumVersion = 'Chromium';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
chromiumVersion = `Chromium ${browser.version()}`;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  // Time to show: from navigation to the class count (all classes read, sorted and the visible rows drawn).
  t = performance.now();
  await page.goto(`${origin}/heap`);
  await page.waitForFunction(
    (n) =>
      /^[\d,]+ classes$/.test(document.querySelector('[data-testid="heap-class-count"]')?.textContent ?? '') &&
      Number(document.querySelector('[data-testid="heap-classes"]')?.getAttribute('aria-rowcount')) >= n,
    CLASSES,
    { timeout: 120_000 },
  );
  const shown = performance.now() - t;
  const total = Number(await page.getAttribute('[data-testid="heap-classes"]', 'aria-rowcount'));
  note('heap page: classes shown (load, fetch, sort, draw)', ms(shown), `${total.toLocaleString('en-US')} rows`);
  const domRows = await page.locator('[data-testid="heap-classes-body"] .vt-row').count();
  note('rows in the DOM', domRows, 'virtualised: only the rows in view plus overscan');

  // Scroll: jump to random positions, measure the scroll handler's render and the frame time.
  const scroll = await page.evaluate(async () => {
    const body = document.querySelector('[data-testid="heap-classes-body"]');
    const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
    const frames = [];
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    await frame();
    for (let i = 0; i < 200; i++) {
      const t0 = await frame();
      body.scrollTop = Math.floor(random() * body.scrollHeight);
      const t1 = await frame();
      // The row drawn is the one at the new position (what a user sees after one frame).
      await frame();
      frames.push(t1 - t0);
    }
    // Smooth scrolling: 300 small steps, one per frame.
    const smooth = [];
    body.scrollTop = 0;
    await frame();
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      body.scrollTop += 60;
      await frame();
      smooth.push(performance.now() - t0);
    }
    const first = body.querySelector('.vt-row')?.getAttribute('data-index');
    return { frames, smooth, first };
  });
  note('scroll jump: time to next frame, median', ms(pct(scroll.frames, 50)), '200 random jumps');
  note('scroll jump: time to next frame, p95', ms(pct(scroll.frames, 95)));
  note('scroll jump: time to next frame, max', ms(Math.max(...scroll.frames)));
  note('smooth scroll (60 px per frame): frame, median', ms(pct(scroll.smooth, 50)), '300 frames');
  note('smooth scroll: frame, p95', ms(pct(scroll.smooth, 95)));
  // Filter: type a name, wait for the count.
  t = performance.now();
  await page.fill('[data-testid="heap-filter"]', 'Class9999');
  await page.waitForFunction(() => /^[\d,]+ of [\d,]+ classes$/.test(document.querySelector('[data-testid="heap-class-count"]')?.textContent ?? ''));
  note('filter "Class9999" (incl. 80 ms typing debounce)', ms(performance.now() - t), (await page.textContent('[data-testid="heap-class-count"]')) ?? '');
  await page.fill('[data-testid="heap-filter"]', '');
  await page.waitForFunction(() => !/ of /.test(document.querySelector('[data-testid="heap-class-count"]')?.textContent ?? ''));

  // Sort by name and back: click, wait for the header's state and the next frame.
  for (const column of ['name', 'count']) {
    t = performance.now();
    await page.click(`[data-testid="heap-classes-header-${column}"]`);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
    note(`sort ${total.toLocaleString('en-US')} rows by ${column}`, ms(performance.now() - t), 'click to drawn');
  }
  note('CSP violations / page errors on the heap page', `${(await page.evaluate(() => window.__csp)).length} / ${errors.length}`, errors.join('; ').slice(0, 300));

  // ---- 2. Graph layout: the UI's GraphView in a page with the server's CSP ----------------------
  const bundle = await esbuild.build({
    stdin: {
      contents: `
        import { GraphView } from './webview/components/graphView';
        window.__graph = async (n, extra) => {
          const view = new GraphView({ testid: 'g', label: 'bench', height: 600 });
          document.body.replaceChildren(view.element);
          let seed = 11;
          const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
          const types = ['object', 'string', 'closure', 'array', 'hidden'];
          const nodes = Array.from({ length: n }, (_, i) => ({ id: i + 1, label: 'Node ' + (i + 1), type: types[i % 5], size: Math.floor(random() * 4096) }));
          const edges = [];
          for (let i = 1; i < n; i++) edges.push({ from: 1 + Math.floor(random() * i), to: i + 1, label: 'p' + i });
          for (let i = 0; i < n * extra; i++) edges.push({ from: 1 + Math.floor(random() * n), to: 1 + Math.floor(random() * n), label: 'x' });
          view.setGraph(nodes, edges);
          await view.laidOut;
          const note = document.querySelector('[data-testid="g-note"]');
          const drawn = view.lastLayoutMs;
          // One more frame: the first paint of the frozen graph.
          const t0 = performance.now();
          await new Promise((r) => requestAnimationFrame(() => r()));
          const paint = performance.now() - t0;
          const shown = Math.min(n, 5000);
          view.dispose();
          return { layout: drawn, paint, shown, note: note && !note.hidden ? note.textContent : '' };
        };`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    outdir: 'out',
    loader: { '.css': 'css' },
    logLevel: 'silent',
  });
  const js = bundle.outputFiles.find((f) => f.path.endsWith('.js')).text;
  const css = bundle.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  const csp = await (await fetch(`${origin}/heap`)).headers.get('content-security-policy');
  await page.route(`${origin}/bench/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/bench/graph.html') {
      return route.fulfill({
        contentType: 'text/html',
        headers: { 'content-security-policy': csp },
        body: '<!DOCTYPE html><html><head><link rel="stylesheet" href="/assets/app.css"><link rel="stylesheet" href="/bench/graph.css"></head><body><script src="/bench/graph.js"></script></body></html>',
      });
    }
    if (path === '/bench/graph.js') return route.fulfill({ contentType: 'text/javascript', body: js });
    if (path === '/bench/graph.css') return route.fulfill({ contentType: 'text/css', body: css });
    return route.fulfill({ status: 404 });
  });
  await page.goto(`${origin}/bench/graph.html`);
  await page.waitForFunction(() => typeof window.__graph === 'function');
  for (const n of [100, 500, 1000, 2000, 5000, 10000]) {
    const r = await page.evaluate(([count]) => window.__graph(count, 0.3), [n]);
    note(
      `graph layout: ${n.toLocaleString('en-US')} nodes`,
      ms(r.layout),
      `${r.shown.toLocaleString('en-US')} drawn, first paint after ${ms(r.paint)}${r.note ? '; ' + r.note : ''}`,
    );
  }
  note('CSP violations / page errors on the graph page', `${(await page.evaluate(() => window.__csp)).length} / ${errors.length}`, errors.join('; ').slice(0, 300));
} finally {
  await browser.close();
  server.kill('SIGTERM');
  if (!keep) rmSync(dir, { recursive: true, force: true });
}

const md = `# UI at scale

\`node bench/ui.mjs\` (after \`npm run build\`), ${new Date().toISOString().slice(0, 10)}, ${chromiumVersion} headless
(software rendering, \`--disable-gpu\`), viewport 1280×900, Node ${process.version}.

The class table is the heap page's, against the real server (\`memory-profiler open\`) serving a
real snapshot of \`test/fixtures/browser/manyClasses.js\` (one instance each of
${CLASSES.toLocaleString('en-US')} classes). The graph is the UI's \`GraphView\` (vis-network) on random
graphs (a tree plus 30 % extra edges), in a page under the server's CSP; beyond 5 000 nodes the
largest 5 000 are drawn and the page says how many were hidden.

| measure | value | detail |
|---|---:|---|
${rows.map((r) => `| ${r.what} | ${r.value} | ${r.detail} |`).join('\n')}

A frame budget is 16.7 ms (60 Hz). "Time to next frame" is measured in the page from the
scroll to the next \`requestAnimationFrame\`; it includes the table's row refill.
`;
writeFileSync(join(root, 'bench', 'RESULTS-ui.md'), md);
console.log('\nwrote bench/RESULTS-ui.md');
