import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { analysisQueries, analysisRuleFile, recordedSeries, unrecordedSeries } from './analysis-queries.ts';

const template = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name: 'vote-slo-burn' },
  spec: {
    args: [{ name: 'service' }, { name: 'prometheus', value: 'http://prometheus:9090' }],
    metrics: [
      {
        name: 'errors',
        provider: {
          prometheus: {
            address: '{{args.prometheus}}',
            query: 'service:errors:ratio{service="{{args.service}}"}',
          },
        },
      },
      { name: 'web', provider: { web: { url: 'http://example.com' } } },
    ],
  },
};

test('queries are found with their arguments filled in', () => {
  assert.deepEqual(analysisQueries([template]), [
    {
      where: 'AnalysisTemplate/vote-slo-burn metric errors',
      query: 'service:errors:ratio{service="canary"}',
    },
  ]);
});

test('a query reading a series no rules file records is caught', () => {
  const recorded = recordedSeries([
    { groups: [{ rules: [{ record: 'service:errors:ratio' }, { alert: 'X' }] }] },
  ]);
  const queries = analysisQueries([template]);
  assert.deepEqual(unrecordedSeries(queries, recorded), []);
  assert.deepEqual(unrecordedSeries(queries, new Set()), [
    'AnalysisTemplate/vote-slo-burn metric errors: reads service:errors:ratio, which deploy/prometheus/rules does not record',
  ]);
});

test('each query becomes a recording rule promtool can parse', () => {
  const { text, rules } = analysisRuleFile(analysisQueries([template]));
  assert.deepEqual(parse(text), {
    groups: [
      {
        name: 'analysis',
        rules: [{ record: 'analysis:query_1', expr: 'service:errors:ratio{service="canary"}' }],
      },
    ],
  });
  assert.equal(rules.get('analysis:query_1')?.where, 'AnalysisTemplate/vote-slo-burn metric errors');
});
