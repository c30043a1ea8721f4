import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddressSigner, verifyClientAddress } from './client-address.ts';

const SECRET = 'the internal secret, 32 characters or more';

test('a client address verifies only as the gateway signed it, with its secret, for about a minute', () => {
  const sign = clientAddressSigner(SECRET);
  const now = Date.now();
  for (const address of ['203.0.113.7', '2001:db8::1', '::ffff:127.0.0.1']) {
    const header = sign(address, now);
    assert.equal(verifyClientAddress(header, SECRET, now), address);
    assert.equal(verifyClientAddress(header, SECRET, now + 59_000), address, 'valid for a minute at least');
    assert.equal(verifyClientAddress(header, SECRET, now + 91_000), undefined, 'and not much longer');
    assert.equal(verifyClientAddress(header, 'another secret, just as long as the first', now), undefined);
    const [, expires, mac] = header.split(';');
    assert.equal(verifyClientAddress(`198.51.100.1;${expires};${mac}`, SECRET, now), undefined);
    assert.equal(verifyClientAddress(`${address};${Number(expires) + 600};${mac}`, SECRET, now), undefined);
  }
  for (const bad of [undefined, '', '203.0.113.7', '1.2.3.4;x;y', `a;1;b;c`, 'x'.repeat(300), ['a']]) {
    assert.equal(verifyClientAddress(bad, SECRET, now), undefined);
  }
  assert.equal(
    verifyClientAddress(sign('203.0.113.7', now), undefined, now),
    undefined,
    'no secret, no trust',
  );
});

test('the signer reuses a signature within its window', () => {
  const sign = clientAddressSigner(SECRET);
  const start = 1_700_000_000_000;
  assert.equal(sign('203.0.113.7', start), sign('203.0.113.7', start + 10));
  assert.notEqual(sign('203.0.113.7', start), sign('203.0.113.7', start + 60_000));
});
