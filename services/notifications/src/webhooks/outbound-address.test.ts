import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkAddress, checkEndpointUrl } from './outbound-address.ts';

test('public unicast addresses pass', () => {
  for (const address of ['1.1.1.1', '8.8.8.8', '93.184.216.34', '2606:4700::1111', '2a00:1450:4001::200e']) {
    assert.deepEqual(checkAddress(address), { ok: true }, address);
  }
  // Embedded forms of a public IPv4 address are as public as the address itself.
  for (const address of ['::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1']) {
    assert.deepEqual(checkAddress(address), { ok: true }, address);
  }
});

test('special-purpose, private, loopback and embedded-private addresses are refused with a reason', () => {
  const refused: [string, RegExp][] = [
    ['0.0.0.0', /"this network"/],
    ['10.0.0.1', /^10\.0\.0\.1 is a private address$/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['127.0.0.1', /^127\.0\.0\.1 is a loopback address$/],
    ['127.255.255.254', /loopback/],
    ['169.254.169.254', /link-local/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.0.0.8', /IETF/],
    ['192.0.2.1', /documentation/],
    ['192.88.99.1', /6to4 relay/],
    ['192.168.1.1', /private/],
    ['198.18.0.1', /benchmarking/],
    ['198.51.100.1', /documentation/],
    ['203.0.113.1', /documentation/],
    ['224.0.0.1', /multicast/],
    ['240.0.0.1', /reserved/],
    ['255.255.255.255', /broadcast/],
    ['::', /unspecified/],
    ['::1', /loopback/],
    ['::ffff:127.0.0.1', /IPv4-mapped form of 127\.0\.0\.1, a loopback/],
    ['::ffff:7f00:1', /IPv4-mapped form of 127\.0\.0\.1/],
    ['::ffff:a9fe:a9fe', /169\.254\.169\.254, a link-local/],
    ['::127.0.0.1', /IPv4-compatible/],
    ['64:ff9b::10.0.0.1', /NAT64 form of 10\.0\.0\.1/],
    ['64:ff9b:1::1', /global unicast/],
    ['2002:7f00:1::1', /6to4 form of 127\.0\.0\.1/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['2001:db8::1', /documentation/],
    ['3fff::1', /documentation/],
    ['100::1', /global unicast/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['ff02::1', /multicast/],
    ['not-an-ip', /not an IP address/],
    ['', /not an IP address/],
  ];
  for (const [address, reason] of refused) {
    const verdict = checkAddress(address);
    assert.equal(verdict.ok, false, address);
    if (!verdict.ok) assert.match(verdict.reason, reason, address);
  }
});

test('allowLoopback opens 127/8 and ::1 only', () => {
  for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
    assert.deepEqual(checkAddress(address, { allowLoopback: true }), { ok: true }, address);
  }
  for (const address of ['169.254.169.254', '10.0.0.1', '192.168.0.1', '0.0.0.0', '::', 'fe80::1']) {
    assert.equal(checkAddress(address, { allowLoopback: true }).ok, false, address);
  }
});

test('checkEndpointUrl accepts http(s) URLs to public hosts and returns the parsed URL', () => {
  const verdict = checkEndpointUrl('https://hooks.example.com/canvass?x=1');
  assert.equal(verdict.ok, true);
  if (verdict.ok) assert.equal(verdict.url.hostname, 'hooks.example.com');
  assert.equal(checkEndpointUrl('http://8.8.8.8:8080/').ok, true);
  assert.equal(checkEndpointUrl('http://[2606:4700::1111]/').ok, true);
});

test('checkEndpointUrl refuses other schemes, credentials, long URLs, internal names and private literals', () => {
  const refused: [string, string, RegExp][] = [
    ['ftp://example.com/', 'invalid-url', /http/],
    ['file:///etc/passwd', 'invalid-url', /http/],
    ['javascript:alert(1)', 'invalid-url', /http/],
    ['not a url', 'invalid-url', /valid URL/],
    ['https://user:pass@example.com/', 'invalid-url', /user name or password/],
    ['https://user@example.com/', 'invalid-url', /user name/],
    [`https://example.com/${'a'.repeat(2048)}`, 'invalid-url', /2048/],
    ['http://localhost:3000/', 'address-refused', /loopback name/],
    ['http://LOCALHOST./', 'address-refused', /loopback name/],
    ['http://api.localhost/', 'address-refused', /loopback name/],
    ['http://printer.local/', 'address-refused', /internal name/],
    ['http://metadata.google.internal/computeMetadata/v1/', 'address-refused', /internal name/],
    ['http://intranet/', 'address-refused', /single-label/],
    ['http://2130706433/', 'address-refused', /127\.0\.0\.1 is a loopback/],
    ['http://0x7f000001/', 'address-refused', /127\.0\.0\.1 is a loopback/],
    ['http://0177.0.0.1/', 'address-refused', /127\.0\.0\.1 is a loopback/],
    ['http://127.1/', 'address-refused', /127\.0\.0\.1 is a loopback/],
    ['http://[::ffff:127.0.0.1]/', 'address-refused', /IPv4-mapped/],
    ['http://[::1]/', 'address-refused', /loopback/],
    ['http://169.254.169.254/latest/meta-data/', 'address-refused', /link-local/],
    ['http://10.0.0.1/', 'address-refused', /private/],
  ];
  for (const [raw, code, reason] of refused) {
    const verdict = checkEndpointUrl(raw);
    assert.equal(verdict.ok, false, raw);
    if (!verdict.ok) {
      assert.equal(verdict.code, code, raw);
      assert.match(verdict.reason, reason, raw);
    }
  }
  assert.equal(checkEndpointUrl('http://localhost:3000/', { allowLoopback: true }).ok, true);
  assert.equal(checkEndpointUrl('http://[::1]:3000/', { allowLoopback: true }).ok, true);
  assert.equal(checkEndpointUrl('http://169.254.169.254/', { allowLoopback: true }).ok, false);
});

test('property: any IPv4 in 127/8 or 10/8 is refused in every textual form', () => {
  const address = fc
    .oneof(fc.constant(127), fc.constant(10))
    .chain((first) => fc.tuple(fc.constant(first), fc.nat(255), fc.nat(255), fc.nat(255)));
  fc.assert(
    fc.property(address, ([a, b, c, d]) => {
      const n = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
      const forms = [
        `${a}.${b}.${c}.${d}`,
        String(n),
        `0x${n.toString(16)}`,
        `0${a.toString(8)}.0${b.toString(8)}.${c}.0x${d.toString(16)}`,
        `${a}.${(b << 16) | (c << 8) | d}`,
        `[::ffff:${a}.${b}.${c}.${d}]`,
      ];
      for (const form of forms) {
        const verdict = checkEndpointUrl(`http://${form}:8080/hook`);
        assert.equal(verdict.ok, false, form);
      }
    }),
  );
});
