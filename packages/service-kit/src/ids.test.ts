import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId, newSignedToken, pooledRandom, verifySignedToken } from './ids.ts';

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

test('pooled random bytes are never handed out twice, across refills, and look uniform', () => {
  const seen = new Set<string>();
  const counts = new Array<number>(256).fill(0);
  // 3,000 draws of 24 bytes cross the 4 KiB pool's refill many times; sizes that do not divide
  // it leave a tail that must be skipped, not reused.
  for (let i = 0; i < 3_000; i++) {
    const bytes = pooledRandom(i % 2 === 0 ? 24 : 13);
    assert.equal(bytes.length, i % 2 === 0 ? 24 : 13);
    const hex = bytes.toString('hex');
    assert.ok(!seen.has(hex), `draw ${i} repeated an earlier one`);
    seen.add(hex);
    for (const byte of bytes) counts[byte]!++;
  }
  const total = counts.reduce((sum, n) => sum + n, 0);
  // Each value is expected total/256 (about 218) times; a pool handed out twice or zeroed would
  // skew this far beyond chance.
  for (const n of counts)
    assert.ok(Math.abs(n - total / 256) < total / 256 / 2, `a byte value came ${n} times`);
  // Bigger than the pool: fresh bytes of the size asked.
  assert.equal(pooledRandom(10_000).length, 10_000);
});
