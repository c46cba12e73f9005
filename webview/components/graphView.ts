/**
 * An object graph drawn with vis-network (retainer graphs, collected-garbage graphs): nodes sized
 * by bytes and coloured by type, edges labelled with the reference name, click a node to select
 * it. Beside the canvas, the same nodes as a list of buttons (keyboard and screen readers, and a
 * text version the tests read).
 *
 * CSP: we import vis-network's *peer* build (`vis-network` + `vis-data`), not the standalone one:
 * the standalone build injects its CSS with `<style>` elements, which the page's CSP refuses. The
 * peer build's CSS is bundled into app.css instead (the import below). vis-network itself only
 * sets element styles through the CSSOM and draws labels on the canvas, so program strings never
 * become markup. Tooltips (`title`) are left out: vis-network's popup would be the one place it
 * writes text into the DOM; it uses `innerText`, but we have no need for it.
 *
 * Scale: up to `maxNodes` (default 5 000) nodes are laid out (physics, then frozen); beyond,
 * the largest nodes are kept and a note says how many were hidden.
 */
import { DataSet } from 'vis-data';
import { Network, type Data, type Options } from 'vis-network';
import 'vis-network/styles/vis-network.css';
import { h, setText } from '../dom';
import { exactBytes, formatBytes } from '../format';

export interface GraphNodeInput {
  id: number;
  /** Drawn on the canvas (text, never markup). */
  label: string;
  /** Node type (object, string, closure…): picks the colour. */
  type: string;
  /** Bytes: picks the size. */
  size: number;
  /** The object asked about (drawn with a ring). */
  target?: boolean;
  /** A GC root. */
  root?: boolean;
  /** On a reference cycle. */
  cycle?: boolean;
}

export interface GraphEdgeInput {
  from: number;
  to: number;
  label: string;
}

export interface GraphViewOptions {
  testid: string;
  label: string;
  onSelect?(id: number): void;
  maxNodes?: number;
  /** Canvas height in pixels. */
  height?: number;
}

/** Colours per node type: VS Code's chart colours where they fit. */
const TYPE_COLOURS: Record<string, string> = {
  object: '#3794ff',
  closure: '#b180d7',
  string: '#89d185',
  'concatenated string': '#89d185',
  'sliced string': '#89d185',
  array: '#d18616',
  code: '#9d9d9d',
  hidden: '#808080',
  synthetic: '#cca700',
  native: '#f14c4c',
  number: '#4ec9b0',
  regexp: '#ce9178',
  symbol: '#c586c0',
  bigint: '#4ec9b0',
  'object shape': '#6c6c6c',
};

/** Above this many nodes the layout is radial (computed) instead of force-directed. */
const PHYSICS_LIMIT = 400;

/**
 * Rings by distance (in references) from the graph's starting points: the selected object and
 * roots if marked, else nodes nothing refers to (else the first node). Each ring's radius grows
 * with its distance and with how many nodes it holds, so nodes never pile up.
 */
export function radialLayout(nodes: readonly GraphNodeInput[], edges: readonly GraphEdgeInput[]): Map<number, { x: number; y: number }> {
  const adjacent = new Map<number, number[]>();
  const incoming = new Set<number>();
  for (const e of edges) {
    if (!adjacent.has(e.from)) adjacent.set(e.from, []);
    if (!adjacent.has(e.to)) adjacent.set(e.to, []);
    adjacent.get(e.from)!.push(e.to);
    adjacent.get(e.to)!.push(e.from);
    incoming.add(e.to);
  }
  let starts = nodes.filter((n) => n.target || n.root).map((n) => n.id);
  if (!starts.length) starts = nodes.filter((n) => !incoming.has(n.id)).map((n) => n.id);
  if (!starts.length && nodes.length) starts = [nodes[0].id];
  const level = new Map<number, number>();
  const rings: number[][] = [];
  const visit = (from: number[]) => {
    let frontier = from.filter((id) => !level.has(id));
    let depth = rings.length ? rings.length : 0;
    for (const id of frontier) level.set(id, depth);
    while (frontier.length) {
      rings[depth] = (rings[depth] ?? []).concat(frontier);
      const next: number[] = [];
      for (const id of frontier) {
        for (const other of adjacent.get(id) ?? []) {
          if (!level.has(other)) {
            level.set(other, depth + 1);
            next.push(other);
          }
        }
      }
      frontier = next;
      depth++;
    }
  };
  visit(starts);
  // Parts not connected to the starting points go on further rings.
  for (const n of nodes) if (!level.has(n.id)) visit([n.id]);
  const positions = new Map<number, { x: number; y: number }>();
  let radius = 0;
  rings.forEach((ring, depth) => {
    radius = depth === 0 && ring.length === 1 ? 0 : Math.max(radius + 140, (ring.length * 26) / (2 * Math.PI));
    ring.forEach((id, i) => {
      const angle = (2 * Math.PI * i) / ring.length + depth * 0.37;
      positions.set(id, { x: Math.round(radius * Math.cos(angle)), y: Math.round(radius * Math.sin(angle)) });
    });
  });
  return positions;
}

export function typeColour(type: string): string {
  return TYPE_COLOURS[type] ?? '#8a8a8a';
}

export class GraphView {
  readonly element: HTMLElement;
  private readonly canvasBox: HTMLElement;
  private readonly list: HTMLElement;
  private readonly note: HTMLElement;
  private readonly legend: HTMLElement;
  private network: Network | undefined;
  private readonly nodes = new DataSet<Record<string, unknown> & { id: number }>();
  private readonly edges = new DataSet<Record<string, unknown> & { id: string }>();
  private selected: number | undefined;
  private readonly buttons = new Map<number, HTMLElement>();
  /** Milliseconds from `setGraph` to a laid-out, still graph (the benchmark reads it). */
  lastLayoutMs = 0;
  /** Canvas colours come from the theme: a theme change (body class) re-reads them. */
  private readonly themeObserver = new MutationObserver(() => this.network?.setOptions(themeOptions()));
  /** Resolves when the current graph has been laid out. */
  laidOut: Promise<void> = Promise.resolve();

  constructor(private readonly options: GraphViewOptions) {
    this.canvasBox = h('div', { class: 'graph-canvas', testid: `${options.testid}-canvas`, attrs: { role: 'img', 'aria-label': options.label } });
    this.canvasBox.style.height = `${options.height ?? 420}px`;
    this.note = h('p', { class: 'graph-note', testid: `${options.testid}-note`, attrs: { hidden: true } });
    this.legend = h('div', { class: 'graph-legend' });
    this.list = h('ul', { class: 'graph-node-list', testid: `${options.testid}-nodes`, attrs: { 'aria-label': `${options.label}: nodes` } });
    this.element = h(
      'div',
      { class: 'graph', testid: options.testid },
      this.note,
      this.canvasBox,
      this.legend,
      h('details', { class: 'graph-list' }, h('summary', {}, 'Nodes as a list'), this.list),
    );
    this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  }

  setGraph(nodes: readonly GraphNodeInput[], edges: readonly GraphEdgeInput[]): void {
    const t0 = performance.now();
    const max = this.options.maxNodes ?? 5000;
    let shown = nodes;
    if (nodes.length > max) {
      // Keep the largest objects, and always the target and the roots.
      shown = nodes
        .slice()
        .sort((a, b) => Number(b.target || b.root) - Number(a.target || a.root) || b.size - a.size)
        .slice(0, max);
    }
    const kept = new Set(shown.map((n) => n.id));
    const shownEdges = edges.filter((e) => kept.has(e.from) && kept.has(e.to));
    const hidden = nodes.length - shown.length;
    setText(
      this.note,
      hidden > 0
        ? `${hidden.toLocaleString('en-US')} of ${nodes.length.toLocaleString('en-US')} objects are hidden (the ${max.toLocaleString('en-US')} largest are drawn, with ${shownEdges.length.toLocaleString('en-US')} of ${edges.length.toLocaleString('en-US')} references).`
        : '',
    );
    this.note.hidden = hidden === 0;

    const { fg } = themeColours();
    const big = shown.length > 300;
    this.nodes.clear();
    this.edges.clear();
    this.nodes.add(
      shown.map((n) => ({
        id: n.id,
        label: big ? undefined : truncate(n.label, 40),
        value: Math.max(1, n.size),
        color: {
          background: typeColour(n.type),
          border: n.target ? fg : n.cycle ? '#f14c4c' : typeColour(n.type),
          highlight: { background: typeColour(n.type), border: fg },
        },
        borderWidth: n.target ? 3 : n.cycle ? 2 : 1,
        shape: n.root ? 'diamond' : 'dot',
      })),
    );
    this.edges.add(shownEdges.map((e, i) => ({ id: `e${i}`, from: e.from, to: e.to, label: big ? undefined : truncate(e.label, 24) })));

    // Small graphs: a force layout (vis-network's physics, a bounded number of iterations, then
    // frozen). Big ones: force layouts cost O(n log n) per iteration and take seconds; they get
    // a radial layout by distance from the roots instead, computed here in O(n + e).
    const force = shown.length <= PHYSICS_LIMIT;
    if (!force) {
      const positions = radialLayout(shown, shownEdges);
      this.nodes.update(shown.map((n) => ({ id: n.id, ...positions.get(n.id)! })));
    }
    const physics = {
      solver: 'barnesHut',
      barnesHut: { gravitationalConstant: -3000, springLength: 110, avoidOverlap: 0.1 },
      stabilization: { iterations: shown.length <= 100 ? 150 : 80, updateInterval: 1000 },
    };
    const options: Options = {
      autoResize: true,
      layout: { improvedLayout: false, randomSeed: 7 },
      physics: force ? ({ enabled: true, ...physics } as Options['physics']) : { enabled: false },
      interaction: { hover: false, tooltipDelay: 1e9, keyboard: false, hideEdgesOnDrag: big, hideEdgesOnZoom: big },
      nodes: { scaling: { min: 6, max: 36 }, font: { size: 12, strokeWidth: 3 } },
      edges: {
        arrows: { to: { enabled: true, scaleFactor: 0.5 } },
        font: { size: 10, strokeWidth: 3, align: 'middle' },
        smooth: big ? false : { enabled: true, type: 'dynamic', roundness: 0.5 },
        width: 1,
      },
    };
    const theme = themeOptions();
    options.nodes = { ...options.nodes, font: { ...(options.nodes!.font as object), ...(theme.nodes!.font as object) } };
    options.edges = { ...options.edges, color: theme.edges!.color, font: { ...(options.edges!.font as object), ...(theme.edges!.font as object) } };
    this.network?.destroy();
    const network = new Network(this.canvasBox, { nodes: this.nodes, edges: this.edges } as unknown as Data, options);
    this.network = network;
    this.laidOut = new Promise<void>((resolve) => {
      const done = () => {
        network.setOptions({ physics: { enabled: false } });
        this.lastLayoutMs = performance.now() - t0;
        this.canvasBox.dataset.laidOut = 'true';
        network.fit();
        resolve();
      };
      this.canvasBox.dataset.laidOut = 'false';
      if (force && shown.length > 0) network.once('stabilizationIterationsDone', done);
      else requestAnimationFrame(() => done());
    });
    network.on('click', (params: { nodes: Array<number | string> }) => {
      const id = params.nodes[0];
      if (id !== undefined) this.select(Number(id), true);
    });
    this.fillList(shown);
    this.fillLegend(shown);
    if (this.selected !== undefined && kept.has(this.selected)) this.select(this.selected, false);
  }

  /** Highlights a node (and tells `onSelect` when `notify`). */
  select(id: number, notify: boolean): void {
    this.selected = id;
    if (this.network && this.nodes.get(id)) this.network.selectNodes([id]);
    for (const [nodeId, button] of this.buttons) button.setAttribute('aria-pressed', String(nodeId === id));
    if (notify) this.options.onSelect?.(id);
  }

  dispose(): void {
    this.themeObserver.disconnect();
    this.network?.destroy();
    this.network = undefined;
  }

  private fillList(nodes: readonly GraphNodeInput[]): void {
    this.buttons.clear();
    // The list is for reading; past a few hundred items it is cut (the canvas has them all).
    const items = nodes.slice(0, 500).map((n) => {
      const button = h(
        'button',
        {
          class: 'graph-node',
          testid: `${this.options.testid}-node-${n.id}`,
          title: exactBytes(n.size),
          attrs: { type: 'button', 'aria-pressed': 'false' },
        },
        h('span', { class: 'swatch', attrs: { 'data-type': n.type } }),
        n.label,
        h('span', { class: 'muted' }, ` ${formatBytes(n.size)}${n.target ? ' · selected object' : n.root ? ' · root' : ''}${n.cycle ? ' · on a cycle' : ''}`),
      );
      (button.firstChild as HTMLElement).style.background = typeColour(n.type);
      button.addEventListener('click', () => this.select(n.id, true));
      this.buttons.set(n.id, button);
      return h('li', {}, button);
    });
    this.list.replaceChildren(...items);
    if (nodes.length > 500) this.list.append(h('li', { class: 'muted' }, `… and ${nodes.length - 500} more`));
  }

  private fillLegend(nodes: readonly GraphNodeInput[]): void {
    const types = [...new Set(nodes.map((n) => n.type))].sort();
    this.legend.replaceChildren(
      ...types.map((t) => {
        const swatch = h('span', { class: 'swatch' });
        swatch.style.background = typeColour(t);
        return h('span', { class: 'legend' }, swatch, h('span', { class: 'legend-label' }, t));
      }),
      h('span', { class: 'legend-note' }, 'size: bytes · ◆ root · arrows point from the holder to the held object'),
    );
  }
}

function themeColours(): { fg: string; muted: string; bg: string } {
  const style = getComputedStyle(document.body);
  return {
    fg: style.getPropertyValue('--vscode-foreground').trim() || '#cccccc',
    muted: style.getPropertyValue('--vscode-descriptionForeground').trim() || '#9d9d9d',
    bg: style.getPropertyValue('--vscode-editor-background').trim() || '#1f1f1f',
  };
}

/** The colours of labels and edges, from the theme's variables (the canvas cannot use CSS). */
function themeOptions(): Options {
  const { fg, muted, bg } = themeColours();
  return {
    nodes: { font: { color: fg, strokeColor: bg } },
    edges: { color: { color: muted, highlight: fg, opacity: 0.7 }, font: { color: muted, strokeColor: bg } },
  };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
