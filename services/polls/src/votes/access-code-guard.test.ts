// The wrong-access-code lockout: per address (IPv6 by /64) and per poll, with a doubling backoff.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AccessCodeGuard, PER_ADDRESS } from './access-code-guard.ts';

const locked = (guard: AccessCodeGuard, poll: string, address: string, now: number) => {
  try {
    guard.check(poll, address, now);
    return 0;
  } catch (error) {
    assert.equal((error as { status: number }).status, 429);
    return (error as { extensions: { retryAfter: number } }).extensions.retryAfter;
  }
};

test('an address is locked out of a poll after 20 wrong codes, for a minute, then twice as long', () => {
  const guard = new AccessCodeGuard();
  let now = 1_000_000;
  for (let i = 0; i < 19; i++) guard.failed('p', '198.51.100.1', now);
  assert.equal(locked(guard, 'p', '198.51.100.1', now), 0, '19 wrong codes: still checked');
  guard.failed('p', '198.51.100.1', now);
  assert.equal(locked(guard, 'p', '198.51.100.1', now), 60);
  assert.equal(locked(guard, 'p', '198.51.100.2', now), 0, 'other addresses are not');
  assert.equal(locked(guard, 'q', '198.51.100.1', now), 0, 'nor other polls');
  now += 60_001;
  assert.equal(locked(guard, 'p', '198.51.100.1', now), 0, 'the lockout ends');
  for (let i = 0; i < 20; i++) guard.failed('p', '198.51.100.1', now);
  assert.equal(locked(guard, 'p', '198.51.100.1', now), 120, 'the next lasts twice as long');
  // Quiet for longer than the longest lockout: a fresh start.
  now += PER_ADDRESS.maxLockMs + 120_001;
  for (let i = 0; i < 20; i++) guard.failed('p', '198.51.100.1', now);
  assert.equal(locked(guard, 'p', '198.51.100.1', now), 60);
});

test('wrong codes spread over 10 minutes windows do not add up', () => {
  const guard = new AccessCodeGuard();
  let now = 0;
  for (let i = 0; i < 19; i++) guard.failed('p', '198.51.100.1', now);
  now += PER_ADDRESS.windowMs + 1;
  for (let i = 0; i < 19; i++) guard.failed('p', '198.51.100.1', now);
  assert.equal(locked(guard, 'p', '198.51.100.1', now), 0);
});

test('IPv6 addresses of one /64 count together', () => {
  const guard = new AccessCodeGuard();
  for (let i = 0; i < 20; i++) guard.failed('p', `2001:db8:1:2::${i.toString(16)}`, 0);
  assert.equal(locked(guard, 'p', '2001:db8:1:2:abcd::1', 0), 60);
  assert.equal(locked(guard, 'p', '2001:db8:1:3::1', 0), 0);
});

test('100 wrong codes from anywhere lock the poll for everyone', () => {
  const guard = new AccessCodeGuard();
  for (let i = 0; i < 100; i++) guard.failed('p', `10.0.${Math.floor(i / 10)}.${i % 10}`, 0);
  assert.equal(locked(guard, 'p', '192.0.2.1', 0), 60);
  assert.equal(locked(guard, 'q', '192.0.2.1', 0), 0);
});
