import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { expandValues, runPromtoolFile } from './promtool-suite.ts';

const testsDir = fileURLToPath(new URL('../../../deploy/prometheus/tests/', import.meta.url));

test("promtool's expanding notation", () => {
  assert.deepEqual(expandValues('0+300x3'), [0, 300, 600, 900]);
  assert.deepEqual(expandValues('50000-500x2'), [50000, 49500, 49000]);
  assert.deepEqual(expandValues('1 1 0x2'), [1, 1, 0, 0, 0]);
  assert.deepEqual(expandValues('0 _x2 stale 3'), [0, undefined, undefined, 'stale', 3]);
  assert.deepEqual(expandValues('4500+100x1 0+0.5x1'), [4500, 4600, 0, 0.5]);
});

// The console's alerts come from the rule files Prometheus loads. Here every promtool unit test
// of deploy/prometheus/tests runs through this package: the same input series, the same rules,
// the same expected alerts (labels and templated annotations) and expression values.
for (const file of readdirSync(testsDir)
  .filter((name) => name.endsWith('.yml'))
  .sort()) {
  test(`the promtool tests of ${file} pass here too`, () => {
    const outcomes = runPromtoolFile(join(testsDir, file));
    assert.ok(outcomes.length > 0);
    for (const outcome of outcomes) assert.ok(outcome.checked > 0, `${outcome.test} checks something`);
    const failed = outcomes.filter((outcome) => outcome.failures.length > 0);
    assert.deepEqual(
      failed.map((outcome) => `${outcome.test}:\n${outcome.failures.join('\n')}`),
      [],
    );
  });
}
