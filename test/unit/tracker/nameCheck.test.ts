import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nearNames } from '../../../src/common/nearNames';
import { trackWarning } from '../../../src/tracker/nameCheck';

const counts = (entries: Array<[string, number]>): Record<string, number> => {
  const map: Record<string, number> = Object.create(null);
  for (const [k, v] of entries) map[k] = v;
  return map;
};

describe('near names', () => {
  test('the nearest only: a typo, another case, a prefix; never the name itself', () => {
    const names = ['Order', 'OrderLine', 'Session', 'LineItem', 'Ordered'];
    assert.deepEqual(nearNames('Ordr', names), ['Order']);
    assert.deepEqual(nearNames('order', names), ['Order']);
    assert.deepEqual(nearNames('Sess', names), ['Session']);
    assert.deepEqual(nearNames('Ord', names), ['Order', 'OrderLine', 'Ordered'], 'prefixes, in the order given');
    assert.deepEqual(nearNames('Order', names), ['OrderLine', 'Ordered'], 'never Order itself; the names it begins');
    assert.deepEqual(nearNames('Zebra', names), []);
    assert.deepEqual(nearNames('', names), []);
  });
});

describe('the warning for a tracked name', () => {
  test('none when the program has instances, `__proto__` and `toString` included', () => {
    const program = {
      source: 'census' as const,
      counts: counts([
        ['__proto__', 6],
        ['toString', 3],
      ]),
      classes: [],
    };
    assert.equal(trackWarning('__proto__', program), undefined);
    assert.equal(trackWarning('toString', program), undefined);
    assert.deepEqual(trackWarning('constructor', program)?.suggestions, [], 'not Object.prototype.constructor');
  });

  test('from a heap snapshot: names it, suggests classes with instances first, never (groups)', () => {
    const program = {
      source: 'snapshot' as const,
      snapshot: 3,
      counts: counts([
        ['Orders', 1],
        ['Order', 20],
        ['(Order)', 5],
        ['Ordr', 0],
      ]),
      classes: [],
    };
    const w = trackWarning('Ordr', program);
    assert.deepEqual(w?.suggestions, ['Order'], 'one edit away; Orders is two');
    assert.equal(w?.message, 'Ordr: no instance in the program now (heap snapshot #3) and no class of that name. Near names: Order. It is tracked anyway.');
    assert.deepEqual(trackWarning('Orderz', program)?.suggestions, ['Order', 'Orders'], 'ties: more instances first');
  });

  test('a class the program has without instances is said to exist', () => {
    const w = trackWarning('Order', { source: 'census', counts: counts([['Session', 2]]), classes: ['Order'] });
    assert.equal(w?.message, 'Order: no instance in the program now (a census just now); the class exists and is tracked: its instances are counted once there are some.');
  });
});
