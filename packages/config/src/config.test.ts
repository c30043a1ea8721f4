import assert from 'node:assert/strict';
import { test } from 'node:test';
import Type from 'typebox';
import { ConfigError, loadConfig } from './config.ts';

const schema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  DATABASE_URL: Type.String({ minLength: 1 }),
  LOG_LEVEL: Type.Union([Type.Literal('info'), Type.Literal('debug')], { default: 'info' }),
});

test('applies defaults and converts numbers', () => {
  const config = loadConfig(schema, { DATABASE_URL: 'postgres://x', PORT: '9000' });
  assert.deepEqual(config, { PORT: 9000, DATABASE_URL: 'postgres://x', LOG_LEVEL: 'info' });
});

test('lists every missing or bad variable at once', () => {
  assert.throws(
    () => loadConfig(schema, { PORT: 'abc', LOG_LEVEL: 'loud' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const text = error.problems.join('\n');
      assert.match(text, /DATABASE_URL: missing/);
      assert.match(text, /PORT: .*"abc"/);
      assert.match(text, /LOG_LEVEL: .*"loud"/);
      return true;
    },
  );
});
