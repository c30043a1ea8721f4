import assert from 'node:assert/strict';
import { test } from 'node:test';
import Type, { type TSchema } from 'typebox';
import { typeboxValidatorCompiler } from './validation.ts';

const compile = (schema: TSchema, httpPart?: string) =>
  typeboxValidatorCompiler({ schema, httpPart, method: 'POST', url: '/x' }) as (data: unknown) => {
    value?: unknown;
    error?: { validation?: unknown } & Error;
  };

test('a valid part is taken as it came: a body as parsed, other parts as plain copies', () => {
  const body = { optionIds: ['a'] };
  assert.equal(compile(Type.Object({ optionIds: Type.Array(Type.String()) }))(body).value, body);
  // Params and querystrings arrive as null-prototype objects; handlers get plain ones.
  const params = Object.assign(Object.create(null) as object, { pollId: 'p1', n: '5' });
  const check = compile(Type.Object({ pollId: Type.String(), n: Type.String() }), 'params');
  const value = check(params).value as object;
  assert.deepEqual({ ...value }, { pollId: 'p1', n: '5' });
  assert.equal(Object.getPrototypeOf(value), Object.prototype);
  const headers = { 'voter-token': 'token-123456', host: 'x' };
  const schema = Type.Object({ 'voter-token': Type.Optional(Type.String({ minLength: 8 })) });
  assert.deepEqual(compile(schema, 'headers')(headers).value, headers);
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
