import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MISSING_PROMTOOL, PromtoolMissing, promtool } from './promtool.ts';

test('a missing promtool fails loudly, saying how to install it', async () => {
  await assert.rejects(promtool(['--version'], 'promtool-that-is-not-installed'), (error: unknown) => {
    assert.ok(error instanceof PromtoolMissing);
    assert.equal(error.message, MISSING_PROMTOOL);
    assert.match(error.message, /apt-get install prometheus/);
    return true;
  });
});

test('a command that fails is reported with what it printed, not thrown', async () => {
  const result = await promtool(['-e', 'console.error("bad rule"); process.exit(1)'], process.execPath);
  assert.deepEqual(result, { ok: false, output: 'bad rule' });
});
