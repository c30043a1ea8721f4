import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Acceptance, judge } from './audit.ts';

// The shape `npm audit --json` (report version 2) prints: advisories are the object entries of
// `via`; a string entry names the vulnerable package it comes through.
const report = {
  auditReportVersion: 2,
  vulnerabilities: {
    'deep-parser': {
      name: 'deep-parser',
      severity: 'critical',
      via: [
        {
          source: 1101,
          name: 'deep-parser',
          title: 'Prototype pollution',
          url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc',
          severity: 'critical',
        },
      ],
    },
    'web-kit': { name: 'web-kit', severity: 'critical', via: ['deep-parser'] },
    'slow-regex': {
      name: 'slow-regex',
      severity: 'moderate',
      via: [
        {
          source: 1102,
          name: 'slow-regex',
          title: 'ReDoS',
          url: 'https://github.com/advisories/GHSA-dddd-eeee-ffff',
          severity: 'moderate',
        },
      ],
    },
  },
  metadata: { vulnerabilities: { critical: 2, moderate: 1 } },
};

const acceptance = (expires: string): Acceptance => ({
  id: 'GHSA-aaaa-bbbb-cccc',
  package: 'deep-parser',
  reason: 'only parses our own configuration',
  accepted_by: 'security review',
  expires,
});

test('a critical advisory fails once, where it is, not again through the packages that depend on it', () => {
  const verdict = judge(report, [], '2026-12-04');
  assert.equal(verdict.kind, 'judged');
  if (verdict.kind !== 'judged') return;
  assert.deepEqual(
    verdict.failing.map((a) => [a.id, a.package]),
    [['GHSA-aaaa-bbbb-cccc', 'deep-parser']],
  );
  assert.deepEqual(
    verdict.lower.map((a) => a.id),
    ['GHSA-dddd-eeee-ffff'],
  );
});

test('an accepted advisory passes until its acceptance expires', () => {
  const before = judge(report, [acceptance('2027-01-01')], '2026-12-04');
  assert.ok(before.kind === 'judged' && before.failing.length === 0 && before.accepted.length === 1);
  const after = judge(report, [acceptance('2026-12-04')], '2026-12-04');
  assert.ok(after.kind === 'judged' && after.failing.length === 1 && after.expired.length === 1);
});

test('an acceptance of another package does not cover the advisory', () => {
  const verdict = judge(report, [{ ...acceptance('2027-01-01'), package: 'web-kit' }], '2026-12-04');
  assert.ok(verdict.kind === 'judged' && verdict.failing.length === 1);
});

test('an error report from npm (advisory service unreachable) is not a clean audit', () => {
  const verdict = judge(
    { message: '405 Method Not Allowed - POST …/advisories/bulk', statusCode: 405 },
    [],
    '2026-12-04',
  );
  assert.deepEqual(verdict, {
    kind: 'unavailable',
    reason: '405 Method Not Allowed - POST …/advisories/bulk',
  });
  assert.equal(judge(undefined, [], '2026-12-04').kind, 'unavailable');
});
