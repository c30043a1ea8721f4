import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setNewest } from './newest-first.ts';

test('a bounded map drops its oldest entry when full; setting a key again makes it the newest', () => {
  const map = new Map<string, number>();
  for (const [key, value] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ] as const)
    setNewest(map, key, value, 3);
  setNewest(map, 'a', 10, 3);
  assert.deepEqual(
    [...map],
    [
      ['b', 2],
      ['c', 3],
      ['a', 10],
    ],
  );
  setNewest(map, 'd', 4, 3);
  assert.deepEqual([...map.keys()], ['c', 'a', 'd'], 'b, the oldest, went');
});
