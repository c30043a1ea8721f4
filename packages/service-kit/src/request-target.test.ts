import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unsafeTargetReason } from './request-target.ts';

test('ordinary targets pass, dots inside a segment included', () => {
  for (const url of [
    '/api/v1/polls/abc123/votes',
    '/api/v1/receipts/AbC-_12.xyz_-9',
    '/oidc/.well-known/openid-configuration',
    '/assets/index-3f2a.js',
    '/oidc/auth?redirect_uri=http%3A%2F%2Flocalhost%2Fcb&state=a.b',
    '/api/v1/polls?q=a/../b',
    '/p/%C3%A9t%C3%A9',
    '*',
  ]) {
    assert.equal(unsafeTargetReason(url), undefined, url);
  }
});

test('dot-segments, encoded separators, backslashes, NUL and bad encoding are refused', () => {
  const cases: [string, RegExp][] = [
    ['/api/v1/polls/x/../y/votes', /dot-segment/],
    ['/api/v1/polls/..', /dot-segment/],
    ['/api/v1/polls/./x', /dot-segment/],
    ['/api/v1/polls/%2e%2e/metrics', /dot-segment/],
    ['/api/v1/polls/.%2E/metrics', /dot-segment/],
    ['/api/v1/polls/x%2f..%2fmetrics', /encoded slash/],
    ['/api/v1/polls/x%5Cy', /encoded slash/],
    ['/api/v1/polls/x\\..\\metrics', /backslash/],
    ['/api/v1/polls/%00', /NUL/],
    ['/api/v1/polls/x?cursor=%00', /NUL/],
    ['/api/v1/polls/%E0%A4%A', /percent-encoding/],
    ['/api/v1/polls/%ED%A0%80', /percent-encoding/],
    ['/api/v1/polls/x?q=100%', /percent-encoding/],
  ];
  for (const [url, reason] of cases) assert.match(unsafeTargetReason(url) ?? 'passed', reason, url);
});
