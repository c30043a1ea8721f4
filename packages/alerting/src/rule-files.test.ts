import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RuleFileError } from './errors.ts';
import { typeOf } from './promql-parser.ts';
import { referencedMetricNames } from './rule-engine.ts';
import { loadRuleDirectory, parseRuleFile } from './rule-file.ts';

const rulesDir = fileURLToPath(new URL('../../../deploy/prometheus/rules/', import.meta.url));

// The console evaluates the rule files Prometheus loads. Loading parses every expression and
// every template; anything outside what this package implements throws (PromqlUnsupportedError,
// TemplateError) with its file, group and rule, so a new rule it cannot evaluate fails here.
test('every rule of every file in deploy/prometheus/rules loads: expressions and templates', () => {
  const files = readdirSync(rulesDir).filter((name) => name.endsWith('.yml'));
  assert.deepEqual(files.sort(), ['alerts.yml', 'recording.yml', 'slo.yml']);
  const groups = loadRuleDirectory(rulesDir);
  const rules = groups.flatMap((group) => group.rules);
  for (const file of files)
    assert.ok(
      groups.some((group) => group.file === file),
      `${file} has groups`,
    );
  assert.ok(rules.filter((rule) => rule.kind === 'recording').length >= 40);
  const alerts = rules.filter((rule) => rule.kind === 'alerting').map((rule) => rule.name);
  for (const name of [
    'CanvassTargetDown',
    'CanvassRelayStalled',
    'CanvassVoteAcceptanceBudgetBurn',
    'CanvassFreshnessIndicatorMissing',
    'CanvassSagaStuck',
  ]) {
    assert.ok(alerts.includes(name), name);
  }
  for (const rule of rules) assert.equal(typeOf(rule.expr), 'vector', `${rule.name}: ${rule.exprText}`);
  assert.equal(groups.find((group) => group.name === 'canvass-slo-30d')?.intervalMs, 5 * 60 * 1000);
  const target = rules.find((rule) => rule.name === 'CanvassTargetDown');
  assert.equal(target?.kind === 'alerting' && target.forMs, 5 * 60 * 1000);
});

test('the store keeps only what the rules read or record', () => {
  const names = referencedMetricNames(loadRuleDirectory(rulesDir))!;
  for (const name of [
    'up',
    'http_requests_total',
    'http_request_duration_seconds_bucket',
    'canvass_vote_to_screen_seconds_count',
    'slo:sli_error:ratio_rate1h',
  ]) {
    assert.ok(names.has(name), name);
  }
  assert.ok(!names.has('process_cpu_user_seconds_total'));
});

test('a rule file the package cannot follow is refused with where it went wrong', () => {
  const refused = (yaml: string, pattern: RegExp) =>
    assert.throws(
      () => parseRuleFile(yaml, 'x.yml'),
      (error: unknown) => error instanceof RuleFileError && pattern.test(error.message),
      yaml,
    );
  refused(
    'groups:\n  - name: g\n    rules:\n      - record: r\n        expr: topk(1, x)\n',
    /group g, rule 1 \(r\).*topk/,
  );
  refused('groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x[5m]\n', /range vector/);
  refused(
    'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x\n        for: soon\n',
    /not a duration/,
  );
  refused(
    'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x\n        keep_firing_for: 5m\n',
    /keep_firing_for/,
  );
  refused('groups:\n  - name: g\n    limit: 10\n    rules: []\n', /limit/);
  refused(
    'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x\n        annotations:\n          a: "{{ $value | title }}"\n',
    /title/,
  );
  refused('groups: [\n', /not YAML/);
});
