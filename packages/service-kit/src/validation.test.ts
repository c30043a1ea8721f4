import assert from 'node:assert/strict';
import { test } from 'node:test';
import Type, { type TSchema } from 'typebox';
import { typeboxValidatorCompiler } from './validation.ts';

const compile = (schema: TSchema, httpPart?: string) =>
  typeboxValidatorCompiler({ schema, httpPart, method: 'POST', url: '/x' }) as (data: unknown) => {
    value?: unknown;
    error?: { validation?: unknown } & Error;
  };

test('a valid part is taken as it came, not copied, converted or defaulted', () => {
  const headers = { 'voter-token': 'token-123456', host: 'x' };
  const check = compile(
    Type.Object({ 'voter-token': Type.Optional(Type.String({ minLength: 8 })) }),
    'headers',
  );
  assert.equal(check(headers).value, headers);
  const body = { optionIds: ['a'] };
  assert.equal(compile(Type.Object({ optionIds: Type.Array(Type.String()) }))(body).value, body);
});

test('defaults are still filled and strings still converted where the schema asks', () => {
  const withDefault = compile(
    Type.Object({ limit: Type.Integer({ default: 20 }), q: Type.Optional(Type.String()) }),
    'querystring',
  );
  assert.deepEqual(withDefault({ q: 'x' }).value, { limit: 20, q: 'x' });
  const converted = compile(Type.Object({ limit: Type.Integer(), open: Type.Boolean() }), 'querystring');
  assert.deepEqual(converted({ limit: '5', open: 'true' }).value, { limit: 5, open: true });
  // A nested default counts too.
  const nested = compile(Type.Object({ settings: Type.Object({ size: Type.Integer({ default: 3 }) }) }));
  assert.deepEqual(nested({ settings: {} }).value, { settings: { size: 3 } });
});

test('an invalid part is refused with every bad field', () => {
  const check = compile(Type.Object({ name: Type.String({ minLength: 3 }), size: Type.Integer() }));
  const { error } = check({ name: 'x', size: 'big' });
  assert.ok(error);
  assert.equal(check({ name: 'xyz', size: 1 }).error, undefined);
});
