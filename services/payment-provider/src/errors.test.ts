import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ERROR_CODES } from './errors.ts';

test('every error code the provider answers with is documented in its README', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const undocumented = ERROR_CODES.filter((code) => !readme.includes(`\`${code}\``));
  assert.deepEqual(undocumented, []);
});
