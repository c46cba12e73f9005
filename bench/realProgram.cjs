// A real program's heap for the bench: markdown-it (a dependency of this repository's tooling)
// parsing and rendering every Markdown file of the installed packages, keeping the token trees
// and the HTML, its heap written once done.
// usage: node bench/realProgram.cjs <out.heapsnapshot>
const MarkdownIt = require('markdown-it');
const { readdirSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { writeHeapSnapshot } = require('node:v8');

const md = new MarkdownIt({ html: true, linkify: true, typographer: true });
const seen = new Set();
const files = [];
const walk = (dir, depth) => {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() || (e.isSymbolicLink() && depth < 6 && statSync(p, { throwIfNoEntry: false })?.isDirectory())) {
      if (depth < 8) walk(p, depth + 1);
    } else if (e.name.endsWith('.md') && !seen.has(p)) {
      seen.add(p);
      files.push(p);
    }
  }
};
walk(join(__dirname, '..', 'node_modules'), 0);
files.sort();
const documents = files.map((file) => {
  const text = readFileSync(file, 'utf8');
  const env = {};
  const tokens = md.parse(text, env);
  return { file, tokens, env, html: md.renderer.render(tokens, md.options, env) };
});
globalThis.__bench = { md, documents };
writeHeapSnapshot(process.argv[2]);
