import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSealed, sealSecret } from './sealed.ts';

const secret = 'a'.repeat(43);

test('a sealed value opens only with the same secret and purpose, and not once altered', () => {
  const sealed = sealSecret(secret, 'account-mail', 'https://canvass.test/reset-password?token=abc');
  assert.doesNotMatch(sealed, /token=abc/);
  assert.equal(openSealed(secret, 'account-mail', sealed), 'https://canvass.test/reset-password?token=abc');
  assert.equal(openSealed('b'.repeat(43), 'account-mail', sealed), undefined);
  assert.equal(openSealed(secret, 'other-purpose', sealed), undefined);
  const bytes = Buffer.from(sealed, 'base64url');
  bytes[20] = (bytes[20] ?? 0) ^ 1;
  assert.equal(openSealed(secret, 'account-mail', bytes.toString('base64url')), undefined);
  assert.equal(openSealed(secret, 'account-mail', 'short'), undefined);
  assert.notEqual(
    sealSecret(secret, 'account-mail', 'x'),
    sealSecret(secret, 'account-mail', 'x'),
    'a fresh nonce each time',
  );
});
