import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HttpProblem } from '@canvass/service-kit';
import { addressKey, liveConnections } from './live-limits.ts';

const refusal = (limit: string) => (error: unknown) =>
  error instanceof HttpProblem &&
  error.status === 429 &&
  error.type === 'too-many-live-connections' &&
  error.extensions.limit === limit &&
  typeof error.extensions.retryAfter === 'number';

test('one client is one address: IPv4 as is (mapped too), IPv6 by its /64', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
});

test('connections count per address and per poll until released, once each', () => {
  const connections = liveConnections({ perAddress: 3, perPoll: 2 });
  const a1 = connections.admit('198.51.100.1', 'p');
  connections.admit('198.51.100.2', 'p');
  assert.throws(() => connections.admit('198.51.100.3', 'p'), refusal('poll'));
  a1();
  a1(); // a second release changes nothing
  connections.admit('198.51.100.3', 'p');
  assert.throws(() => connections.admit('198.51.100.4', 'p'), refusal('poll'));

  connections.admit('2001:db8:1:2::a', 'q');
  connections.admit('2001:db8:1:2::b', 'r');
  const third = connections.admit('2001:db8:1:2::c', 's');
  assert.throws(() => connections.admit('2001:db8:1:2::d', 't'), refusal('address'));
  connections.admit('2001:db8:1:3::d', 't'); // another /64
  third();
  connections.admit('2001:db8:1:2::d', 't');
});
