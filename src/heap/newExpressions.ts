/**
 * Where in a function its `new C` expressions are, from the script's source. V8's allocation
 * stacks name each frame's function by where the function starts (its parameter list), not by
 * the line that ran `new`: this finds that line. Runs in the heap worker (a parse of the
 * program's script).
 */
import { parse, type Node } from 'acorn';

/** A frame's function as V8 gives it: 1-based line and column of its parameter list. */
export interface NewExpressionQuery {
  line: number;
  column: number;
  className: string;
}

/** What the function at a query's position holds; null when no function starts there (the source changed, or is not the one that ran). */
export type NewExpressionAnswer = {
  /** The function is a class constructor (or a class's implicit one): the `new` is in a caller. */
  constructor: boolean;
  /** Its own `new <className>(…)` expressions (not those of nested functions), in source order; 1-based. */
  news: Array<{ line: number; column: number }>;
} | null;

interface FunctionSpan {
  start: number;
  /** Where the body begins: V8's position lies in [start, bodyStart). */
  bodyStart: number;
  constructor: boolean;
  /** V8 may place it at its start: a class (its implicit constructor), an arrow (its one parameter). */
  atStart: boolean;
  /** `new` expressions directly in it, by the callee's name. */
  news: Map<string, number[]>;
}

type AnyNode = Node & Record<string, unknown>;

/** Parses `source` (a module, else a script) and answers each query; all null when it does not parse. */
export function findNewExpressions(source: string, queries: NewExpressionQuery[]): NewExpressionAnswer[] {
  const parsed = parsedScript(source);
  if (!parsed) return queries.map(() => null);
  const { spans, lineStarts } = parsed;
  const position = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  return queries.map((q) => {
    if (q.line < 1 || q.line > lineStarts.length || q.column < 1) return null;
    const at = lineStarts[q.line - 1] + q.column - 1;
    // the innermost function whose head holds the position, which V8 puts at the parameter list
    // (a parenthesis, or the one parameter of an arrow) or at a class for its implicit constructor
    let found: FunctionSpan | undefined;
    for (const s of spans) if (s.start <= at && at < s.bodyStart && (!found || s.start >= found.start)) found = s;
    if (!found || (source.charCodeAt(at) !== 0x28 && !(found.atStart && at === found.start))) return null;
    return { constructor: found.constructor, news: (found.news.get(q.className) ?? []).map(position) };
  });
}

interface ParsedScript {
  spans: FunctionSpan[];
  /** Offset of each line's first character. */
  lineStarts: number[];
}

/** The scripts parsed last (each later snapshot asks about the same few scripts again). */
const parsed = new Map<string, ParsedScript | null>();
const KEPT_SCRIPTS = 4;

function parsedScript(source: string): ParsedScript | null {
  let p = parsed.get(source);
  if (p === undefined) {
    const ast = parseLoosely(source);
    p = null;
    if (ast) {
      const lineStarts = [0];
      for (let i = source.indexOf('\n'); i >= 0; i = source.indexOf('\n', i + 1)) lineStarts.push(i + 1);
      p = { spans: functionSpans(ast), lineStarts };
    }
    if (parsed.size >= KEPT_SCRIPTS) parsed.delete(parsed.keys().next().value!);
  } else parsed.delete(source);
  parsed.set(source, p);
  return p;
}

function parseLoosely(source: string): Node | null {
  const common = { ecmaVersion: 'latest', allowHashBang: true, allowReturnOutsideFunction: true, allowAwaitOutsideFunction: true } as const;
  for (const sourceType of ['module', 'script'] as const) {
    try {
      return parse(source, { ...common, sourceType });
    } catch {
      // (a CommonJS file may be sloppy code that a module cannot be)
    }
  }
  return null;
}

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
const CLASSES = new Set(['ClassDeclaration', 'ClassExpression']);

/** Every function (and class, for its implicit constructor) with the `new` expressions directly in it. */
function functionSpans(ast: Node): FunctionSpan[] {
  const spans: FunctionSpan[] = [];
  const top: FunctionSpan = { start: -1, bodyStart: -1, constructor: false, atStart: false, news: new Map() };
  // an explicit walk: a deep expression must not overflow the stack
  const work: Array<{ node: AnyNode; owner: FunctionSpan; isConstructor: boolean }> = [{ node: ast as AnyNode, owner: top, isConstructor: false }];
  while (work.length) {
    const { node, owner: outer, isConstructor } = work.pop()!;
    let owner = outer;
    if (FUNCTIONS.has(node.type)) {
      const body = node.body as AnyNode;
      owner = { start: node.start, bodyStart: body.start, constructor: isConstructor, atStart: node.type === 'ArrowFunctionExpression', news: new Map() };
      spans.push(owner);
    } else if (CLASSES.has(node.type)) {
      // V8 places a class's implicit constructor at the class
      spans.push({ start: node.start, bodyStart: (node.body as AnyNode).start, constructor: true, atStart: true, news: new Map() });
    } else if (node.type === 'NewExpression') {
      const name = calleeName(node.callee as AnyNode);
      if (name !== undefined) {
        let list = owner.news.get(name);
        if (!list) owner.news.set(name, (list = []));
        list.push(node.start);
      }
    }
    const ctor = node.type === 'MethodDefinition' && node.kind === 'constructor';
    for (const key of Object.keys(node)) {
      const value = node[key];
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) if (isNode(value[i])) work.push({ node: value[i], owner, isConstructor: false });
      } else if (isNode(value)) work.push({ node: value, owner, isConstructor: ctor && key === 'value' });
    }
  }
  for (const s of spans) for (const list of s.news.values()) list.sort((a, b) => a - b);
  return spans;
}

function isNode(v: unknown): v is AnyNode {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

/** `C` of `new C(…)`, `new a.b.C(…)`; undefined for computed callees. */
function calleeName(callee: AnyNode): string | undefined {
  if (callee.type === 'Identifier') return callee.name as string;
  if (callee.type === 'MemberExpression' && !callee.computed && (callee.property as AnyNode).type === 'Identifier') return (callee.property as AnyNode).name as string;
  return undefined;
}
