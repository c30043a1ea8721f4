import assert from 'node:assert/strict';
import { test } from 'node:test';
import { circuitBreaker } from './circuit-breaker.ts';

const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('opens after consecutive failures only; a success in between starts the count again', () => {
  const breaker = circuitBreaker(3, 1_000);
  for (const ok of [false, false, true, false, false]) breaker.settle(breaker.admit()!, ok);
  assert.equal(breaker.state, 'closed');
  breaker.settle(breaker.admit()!, false);
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.admit(), undefined, 'refused while open');
});

test('after the pause one trial is let through: its success closes, its failure reopens', async () => {
  const breaker = circuitBreaker(1, 30);
  breaker.settle(breaker.admit()!, false);
  await later(40);
  const trial = breaker.admit();
  assert.equal(trial, 'trial');
  assert.equal(breaker.admit(), undefined, 'one trial at a time');
  breaker.settle(trial!, false);
  assert.equal(breaker.state, 'open');
  assert.equal(breaker.admit(), undefined, 'a failed trial starts the pause again');
  await later(40);
  breaker.settle(breaker.admit()!, true);
  assert.equal(breaker.state, 'closed');
});

test('a call let in before the circuit opened neither closes nor reopens it', async () => {
  const breaker = circuitBreaker(1, 30);
  const early = breaker.admit()!;
  const late = breaker.admit()!;
  breaker.settle(breaker.admit()!, false);
  breaker.settle(early, true);
  assert.equal(breaker.state, 'open');
  await later(40);
  const trial = breaker.admit()!;
  breaker.settle(late, false);
  assert.equal(breaker.state, 'half-open', 'only the trial decides');
  breaker.settle(trial, true);
  assert.equal(breaker.state, 'closed');
});
