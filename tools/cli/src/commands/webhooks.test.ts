import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from '../client.ts';
import { parseSince } from './webhooks.ts';

const now = Date.parse('2025-05-01T12:00:00.000Z');

test('--since takes a time ago or an ISO time, and gives an ISO time', () => {
  assert.equal(parseSince('30m', now), '2025-05-01T11:30:00.000Z');
  assert.equal(parseSince('2h', now), '2025-05-01T10:00:00.000Z');
  assert.equal(parseSince('1d', now), '2025-04-30T12:00:00.000Z');
  assert.equal(parseSince('90s', now), '2025-05-01T11:58:30.000Z');
  assert.equal(parseSince('2025-04-30T08:00:00+02:00', now), '2025-04-30T06:00:00.000Z');
  assert.equal(parseSince('2025-04-30', now), '2025-04-30T00:00:00.000Z');
});

test('--since refuses what is not a time, or a time to come, as a usage error', () => {
  for (const text of [undefined, '', 'yesterday', '2h ago', '-2h', '1y', '12', '2025-13-45T00:00:00Z']) {
    assert.throws(
      () => parseSince(text, now),
      (error) => error instanceof CliError && error.exitCode === 2,
      String(text),
    );
  }
  assert.throws(() => parseSince('2025-05-02T00:00:00Z', now), /in the future/);
});
