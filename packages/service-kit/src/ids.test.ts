import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId, newSignedToken, verifySignedToken } from './ids.ts';

test('ids are 12 letters and digits, and do not repeat', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const id = newId();
    assert.match(id, /^[A-Za-z0-9]{12}$/);
    ids.add(id);
  }
  assert.equal(ids.size, 20_000);
});

test('a signed token verifies only for its own purpose, subject and secret', () => {
  const token = newSignedToken('secret-a', 'receipt', 'poll-1');
  assert.equal(verifySignedToken('secret-a', 'receipt', 'poll-1', token), true);
  assert.equal(verifySignedToken('secret-a', 'receipt', 'poll-2', token), false);
  assert.equal(verifySignedToken('secret-a', 'manage', 'poll-1', token), false);
  assert.equal(verifySignedToken('secret-b', 'receipt', 'poll-1', token), false);
  const [random] = token.split('.');
  assert.equal(verifySignedToken('secret-a', 'receipt', 'poll-1', `${random}.${'A'.repeat(22)}`), false);
  assert.equal(verifySignedToken('secret-a', 'receipt', 'poll-1', 'garbage'), false);
});
