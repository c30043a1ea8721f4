import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { checkableExpr, dashboardQueries, dashboardRuleFile } from './dashboard.ts';

const dashboard = {
  panels: [
    { type: 'row', title: 'Votes', panels: [] },
    {
      title: 'Vote requests',
      targets: [
        { refId: 'A', expr: 'sum(rate(http_requests_total[$__rate_interval]))' },
        { refId: 'B', expr: 'up' },
      ],
    },
    // A collapsed row keeps its panels inside it.
    {
      type: 'row',
      title: 'Hidden',
      collapsed: true,
      panels: [{ title: 'Lag', targets: [{ refId: 'A', expr: 'canvass_consumer_lag' }] }],
    },
    { title: 'Text', type: 'text' },
  ],
};

test('every query of every panel is found, collapsed rows included', () => {
  assert.deepEqual(
    dashboardQueries(dashboard).map((query) => `${query.panel}/${query.refId}`),
    ['Vote requests/A', 'Vote requests/B', 'Lag/A'],
  );
});

test("Grafana's interval variables become a duration; other variables cannot be checked", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own ${…} syntax, not a template.
  assert.deepEqual(checkableExpr('rate(x[$__rate_interval]) + rate(y[${__interval}]) + z[$__range]'), {
    expr: 'rate(x[5m]) + rate(y[5m]) + z[5m]',
  });
  assert.deepEqual(checkableExpr('up{job=~"canvass-.*$"}'), { expr: 'up{job=~"canvass-.*$"}' });
  assert.ok('problem' in checkableExpr('up{instance="$instance"}'));
});

test('the queries become one recording rule each, named so a failure points at its panel', () => {
  const { text, rules, problems } = dashboardRuleFile([
    ...dashboardQueries(dashboard),
    { panel: 'Per instance', refId: 'A', expr: 'up{instance=~"$instance"}' },
  ]);
  assert.deepEqual(parse(text), {
    groups: [
      {
        name: 'dashboard',
        rules: [
          { record: 'dashboard:query_1', expr: 'sum(rate(http_requests_total[5m]))' },
          { record: 'dashboard:query_2', expr: 'up' },
          { record: 'dashboard:query_3', expr: 'canvass_consumer_lag' },
        ],
      },
    ],
  });
  assert.equal(rules.get('dashboard:query_3')?.panel, 'Lag');
  assert.deepEqual(problems, [
    'panel "Per instance" query A uses the dashboard variable $instance, which cannot be checked',
  ]);
});
