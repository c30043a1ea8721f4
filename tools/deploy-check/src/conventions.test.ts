import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alertProblems, headingAnchors, ruleFileProblems, testedAlerts } from './conventions.ts';

const docs = `# Observability

## Alerts

### CanvassRelayStalled

### \`canvass_sagas\`: what it counts
`;

const good = {
  alert: 'CanvassRelayStalled',
  labels: { severity: 'page' },
  annotations: {
    summary: 'The relay stalled',
    description: 'Nothing is published',
    runbook: 'docs/observability.md#canvassrelaystalled',
  },
};

const firesAndQuiet = [
  {
    tests: [
      { alert_rule_test: [{ alertname: 'CanvassRelayStalled', exp_alerts: [{ exp_labels: {} }] }] },
      { alert_rule_test: [{ alertname: 'CanvassRelayStalled', exp_alerts: [] }] },
    ],
  },
];

test('anchors are made as GitHub makes them', () => {
  assert.deepEqual(
    [...headingAnchors(docs)],
    ['observability', 'alerts', 'canvassrelaystalled', 'canvass_sagas-what-it-counts'],
  );
});

test('tests that expect alerts and tests that expect none are told apart', () => {
  const { firing, quiet } = testedAlerts(firesAndQuiet);
  assert.deepEqual([...firing], ['CanvassRelayStalled']);
  assert.deepEqual([...quiet], ['CanvassRelayStalled']);
});

test('a complete, documented and tested alert passes', () => {
  assert.deepEqual(
    alertProblems([{ path: 'alerts.yml', rules: { groups: [{ rules: [good] }] } }], docs, firesAndQuiet),
    [],
  );
});

test('each missing part of an alert is named', () => {
  const bare = {
    alert: 'CanvassNew',
    labels: { severity: 'critical' },
    annotations: { runbook: 'docs/observability.md#nowhere' },
  };
  assert.deepEqual(
    alertProblems(
      [{ path: 'alerts.yml', rules: { groups: [{ rules: [bare, { record: 'x:y' }] }] } }],
      docs,
      [],
    ),
    [
      'alerts.yml: alert CanvassNew needs a severity label, one of page, ticket (has critical)',
      'alerts.yml: alert CanvassNew needs a summary annotation',
      'alerts.yml: alert CanvassNew needs a description annotation',
      'alerts.yml: alert CanvassNew runbook points at #nowhere, which no heading of docs/observability.md makes',
      'alerts.yml: alert CanvassNew is never made to fire by a test in deploy/prometheus/tests',
      'no test in deploy/prometheus/tests shows an alert staying quiet',
    ],
  );
});

test('prometheus.yml must load exactly the rules files there are', () => {
  assert.deepEqual(
    ruleFileProblems({ rule_files: ['rules/a.yml', 'rules/gone.yml'] }, ['rules/a.yml', 'rules/b.yml']),
    ['prometheus.yml does not load rules/b.yml', 'prometheus.yml loads rules/gone.yml, which does not exist'],
  );
});
