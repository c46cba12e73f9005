/**
 * The shape of a stats dump (src/model/tracker.ts), checked field by field when a dump is opened:
 * a damaged or hand-edited file is refused with one line naming the first bad field
 * (`snapshots[1] is not an object`), instead of loading and answering 500 later. Unknown extra
 * fields are allowed (a newer writer may add some).
 */

type Shape =
  | 'number'
  | 'integer'
  | 'string'
  | 'boolean'
  | { literal: readonly (string | number | boolean)[] }
  | { nullable: Shape }
  | { array: Shape }
  | { tuple: readonly Shape[] }
  /** An object keyed by the program's names (class names). */
  | { map: Shape }
  | { object: Readonly<Record<string, Shape | Optional>> }
  | { lazy: () => Shape };

interface Optional {
  optional: Shape;
}

const optional = (shape: Shape): Optional => ({ optional: shape });
const nullable = (shape: Shape): Shape => ({ nullable: shape });
const array = (shape: Shape): Shape => ({ array: shape });
const object = (fields: Record<string, Shape | Optional>): Shape => ({ object: fields });

const classStats = { active: 'integer', sum: 'number', avg: 'number', pct: 'number', selfSum: 'number', min: 'number', max: 'number' } as const;
const trackedClass = object({ name: 'string', resolutionLevel: 'integer', trace: 'boolean', since: 'number', firstSnapshot: 'integer' });
const referent: Shape = object({ name: 'string', count: 'integer', size: 'number', children: array({ lazy: () => referent }) });
const frame = object({
  functionName: 'string',
  scriptName: 'string',
  scriptId: 'integer',
  line: 'integer',
  column: 'integer',
  newAt: optional(object({ line: 'integer', column: 'integer', others: optional('integer') })),
});
const garbageObject = object({ id: 'integer', size: 'number', type: 'string', className: 'string', repr: 'string' });
const garbageGraph = object({ nodes: array(garbageObject), edges: array(object({ from: 'integer', to: 'integer', edgeType: 'string', name: 'string' })), truncated: 'boolean' });

export const STATS_SHAPE: Shape = object({
  createdAt: 'number',
  target: nullable(object({ kind: { literal: ['live', 'offline'] }, pid: optional('integer'), title: 'string', runtime: 'string', argv: array('string'), connected: 'boolean' })),
  tracked: array(trackedClass),
  snapshots: array(
    object({
      index: 'integer',
      description: 'string',
      timestamp: 'number',
      captureMs: 'number',
      heapIndex: optional('integer'),
      total: 'number',
      trackedTotal: 'number',
      overhead: 'number',
      classes: { map: object(classStats) },
      process: optional(object({ rss: 'number', vsz: 'number', heapUsed: 'number', heapTotal: 'number', heapLimit: 'number', external: 'number', arrayBuffers: 'number' })),
      idReset: optional('boolean'),
    }),
  ),
  classes: {
    map: object({
      name: 'string',
      tracked: nullable(trackedClass),
      snapshots: array(object({ ...classStats, index: 'integer', referents: array(referent) })),
      instances: array(
        object({
          id: 'integer',
          repr: 'string',
          birth: nullable('integer'),
          death: nullable('integer'),
          lostAt: optional('integer'),
          sizes: array({ tuple: ['integer', 'number'] }),
          stack: optional('integer'),
        }),
      ),
      instancesTruncated: 'boolean',
      stacks: array(array(frame)),
    }),
  },
  timeline: array(
    object({
      timestamp: 'number',
      rss: 'number',
      heapUsed: 'number',
      heapTotal: 'number',
      external: 'number',
      arrayBuffers: 'number',
      spaces: array(object({ name: 'string', used: 'number', size: 'number' })),
    }),
  ),
  idResets: array(object({ snapshot: 'integer', detectedBy: { literal: ['sentinel', 'max-id'] }, detail: 'string' })),
  census: optional(
    array(
      object({
        timestamp: 'number',
        pauseMs: 'number',
        scanned: 'integer',
        basedOn: nullable('integer'),
        classes: { map: object({ active: 'integer', sum: 'number', avg: 'number', sizesFrom: nullable('integer'), estimated: { literal: [true] } }) },
      }),
    ),
  ),
  garbage: optional(
    array(
      object({
        from: 'integer',
        to: 'integer',
        graphs: array(object({ index: 'integer', objects: 'integer', cycleObjects: 'integer', totalSize: 'number', classes: array('string') })),
        details: array(object({ index: 'integer', cycleObjects: 'integer', totalSize: 'number', objects: array(garbageObject), graph: garbageGraph, reduced: garbageGraph })),
      }),
    ),
  ),
});

/** Deeper than any dump the tracker writes (referents go at most 9 levels). */
const MAX_DEPTH = 64;

/** A field of a dump that does not have the shape the model says. */
export class StatsShapeError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
    this.name = 'StatsShapeError';
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const child = (path: string, key: string) => (IDENTIFIER.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`);

function describe(shape: Shape): string {
  if (typeof shape === 'string') return shape === 'integer' ? 'an integer' : `a ${shape}`;
  if ('literal' in shape) return `one of ${shape.literal.map((v) => JSON.stringify(v)).join(', ')}`;
  if ('nullable' in shape) return `${describe(shape.nullable)} or null`;
  if ('array' in shape) return 'a list';
  if ('tuple' in shape) return `a list of ${shape.tuple.length}`;
  if ('lazy' in shape) return describe(shape.lazy());
  return 'an object';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Throws a `StatsShapeError` naming the first field of `value` that does not fit `shape`. */
export function checkShape(value: unknown, shape: Shape, path: string, depth = 0): void {
  if (depth > MAX_DEPTH) throw new StatsShapeError(path, `is nested more than ${MAX_DEPTH} levels deep`);
  const fail = (): never => {
    throw new StatsShapeError(path, `is not ${describe(shape)}`);
  };
  if (typeof shape === 'string') {
    if (shape === 'integer' ? !Number.isSafeInteger(value) : typeof value !== shape) fail();
    return;
  }
  if ('lazy' in shape) return checkShape(value, shape.lazy(), path, depth);
  if ('literal' in shape) {
    if (!shape.literal.includes(value as string)) fail();
    return;
  }
  if ('nullable' in shape) {
    if (value !== null) checkShape(value, shape.nullable, path, depth);
    return;
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) fail();
    (value as unknown[]).forEach((item, i) => checkShape(item, shape.array, `${path}[${i}]`, depth + 1));
    return;
  }
  if ('tuple' in shape) {
    if (!Array.isArray(value) || value.length !== shape.tuple.length) fail();
    shape.tuple.forEach((s, i) => checkShape((value as unknown[])[i], s, `${path}[${i}]`, depth + 1));
    return;
  }
  if (!isObject(value)) fail();
  const record = value as Record<string, unknown>;
  if ('map' in shape) {
    for (const key of Object.keys(record)) checkShape(record[key], shape.map, child(path, key), depth + 1);
    return;
  }
  for (const [key, field] of Object.entries(shape.object)) {
    const present = Object.hasOwn(record, key) && record[key] !== undefined;
    if (typeof field === 'object' && 'optional' in field) {
      if (present) checkShape(record[key], field.optional, child(path, key), depth + 1);
    } else if (!present) {
      throw new StatsShapeError(child(path, key), 'is missing');
    } else {
      checkShape(record[key], field as Shape, child(path, key), depth + 1);
    }
  }
}

/**
 * The dump's fields against the model, then what ties them together: each snapshot's index is
 * its place in the list.
 */
export function checkStatsDump(dump: Record<string, unknown>): void {
  checkShape(dump, STATS_SHAPE, '');
  (dump.snapshots as Array<{ index: number }>).forEach((s, i) => {
    if (s.index !== i) throw new StatsShapeError(`snapshots[${i}].index`, `is ${s.index}, not ${i} (its place in the list)`);
  });
}
