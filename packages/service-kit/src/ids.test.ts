import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from './ids.ts';

test('ids are 12 letters and digits, and do not repeat', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const id = newId();
    assert.match(id, /^[A-Za-z0-9]{12}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 20_000);
});
