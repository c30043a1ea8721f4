// Device tokens and proof of work: what they bind, and that a forged or stale one fails.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { checkDeviceToken, isDeviceTokenValid, issueDeviceToken } from './device-token.ts';
import { checkProofOfWork, issueChallenge, leadingZeroBits } from './proof-of-work.ts';

const SECRET = 'a-test-secret';

test('a device token is valid for its poll and voter until it expires, and for nothing else', () => {
  const now = Date.UTC(2026, 0, 1);
  const { deviceToken, expiresAt } = issueDeviceToken(SECRET, 'p1', 'voter-hash', now);
  assert.equal(Date.parse(expiresAt), now + 3_600_000);
  assert.equal(isDeviceTokenValid(SECRET, 'p1', 'voter-hash', deviceToken, now), true);
  assert.equal(isDeviceTokenValid(SECRET, 'p1', 'voter-hash', deviceToken, now + 3_600_000), false);
  assert.equal(isDeviceTokenValid(SECRET, 'p2', 'voter-hash', deviceToken, now), false);
  assert.equal(isDeviceTokenValid(SECRET, 'p1', 'other-hash', deviceToken, now), false);
  assert.equal(isDeviceTokenValid('other-secret', 'p1', 'voter-hash', deviceToken, now), false);
  const [version, , tag] = deviceToken.split('.');
  const later = `${version}.${(Math.floor(now / 1000) + 86_400).toString(36)}.${tag}`;
  assert.equal(isDeviceTokenValid(SECRET, 'p1', 'voter-hash', later, now), false, 'the expiry is signed');
  assert.throws(() => checkDeviceToken(SECRET, 'p1', 'voter-hash', undefined), {
    type: 'device-token-required',
  });
  assert.throws(() => checkDeviceToken(SECRET, 'p1', 'voter-hash', 'x.y.z.w'), {
    type: 'device-token-invalid',
  });
});

test('leading zero bits', () => {
  assert.equal(leadingZeroBits(Uint8Array.from([0, 0, 0x0f, 0xff])), 20);
  assert.equal(leadingZeroBits(Uint8Array.from([0x80])), 0);
  assert.equal(leadingZeroBits(Uint8Array.from([0, 1])), 15);
  assert.equal(leadingZeroBits(Uint8Array.from([0, 0])), 16);
});

function solve(challenge: string, token: string, bits: number): number {
  for (let nonce = 0; ; nonce++) {
    const digest = createHash('sha256').update(`${challenge}:${token}:${nonce}`).digest();
    if (leadingZeroBits(digest) >= bits) return nonce;
  }
}

test('a proof of work solves a signed, unexpired challenge of this poll, as hard as the poll asks, for this voter', () => {
  const now = Date.UTC(2026, 0, 1);
  const { challenge } = issueChallenge(SECRET, 'p1', 8, now);
  const nonce = solve(challenge, 'voter-a', 8);
  const check = (pollId: string, required: number, token: string, header: string | undefined, at = now) =>
    checkProofOfWork(SECRET, pollId, required, token, header, at);
  check('p1', 8, 'voter-a', `${challenge}:${nonce}`);
  assert.throws(() => check('p1', 8, 'voter-a', undefined), { type: 'proof-of-work-required' });
  assert.throws(() => check('p2', 8, 'voter-a', `${challenge}:${nonce}`), { type: 'proof-of-work-invalid' });
  assert.throws(() => check('p1', 9, 'voter-a', `${challenge}:${nonce}`), { type: 'proof-of-work-invalid' });
  assert.throws(() => check('p1', 8, 'voter-a', `${challenge}:${nonce}`, now + 600_000), {
    type: 'proof-of-work-invalid',
  });
  assert.throws(() => check('p1', 8, 'voter-a', `${challenge}:-1`), { type: 'proof-of-work-invalid' });
  assert.throws(() => check('p1', 8, 'voter-a', 'garbage'), { type: 'proof-of-work-invalid' });
  // Easier than signed: the difficulty is part of what the tag covers.
  const parts = challenge.split('.');
  const easier = [parts[0], parts[1], '0', parts[3], parts[4]].join('.');
  assert.throws(() => check('p1', 0, 'voter-a', `${easier}:0`), { type: 'proof-of-work-invalid' });
});
