import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonical, type Param, parseForm } from './form.ts';

/** Stripe's form encoding, as the SDK writes it: `a[b]=c` for objects, `a[0]=c` for lists. */
function encode(params: Record<string, Param>): string {
  const pairs: string[] = [];
  const visit = (key: string, value: Param) => {
    if (typeof value === 'string') pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
    else if (Array.isArray(value))
      value.forEach((item, i) => {
        visit(`${key}[${i}]`, item);
      });
    else for (const [name, item] of Object.entries(value)) visit(`${key}[${name}]`, item);
  };
  for (const [key, value] of Object.entries(params)) visit(key, value);
  return pairs.join('&');
}

const name = fc.stringMatching(/^[a-z][a-z_]{0,11}$/);
const param: fc.Arbitrary<Param> = fc.letrec<{ value: Param }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.string({ maxLength: 20 }),
    fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 4 }),
    fc.dictionary(name, tie('value'), { minKeys: 1, maxKeys: 4 }),
  ),
})).value;

test('what the SDK encodes parses back to the same parameters', () => {
  fc.assert(
    fc.property(fc.dictionary(name, param, { maxKeys: 6 }), (params) => {
      // JSON: the generated objects have no prototype; parsed ones have Object's.
      assert.deepEqual(parseForm(encode(params)), JSON.parse(JSON.stringify(params)));
    }),
  );
});

test('bracket forms: metadata, indexed and appended lists, and prototype keys refused', () => {
  assert.deepEqual(parseForm('metadata[order]=42&expand[]=a&expand[]=b&enabled_events[0]=x'), {
    metadata: { order: '42' },
    expand: ['a', 'b'],
    enabled_events: ['x'],
  });
  assert.throws(() => parseForm('metadata[__proto__][polluted]=1'), /Invalid parameter name/);
  assert.throws(() => parseForm('a[b]=1&a=2'), /Invalid parameter name/);
  assert.throws(() => parseForm('a[b][c][d][e][f]=1'), /Invalid parameter name/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('parameters compare equal whatever their order', () => {
  assert.equal(
    canonical(parseForm('amount=1&metadata[b]=2&metadata[a]=1')),
    canonical(parseForm('metadata[a]=1&metadata[b]=2&amount=1')),
  );
  assert.notEqual(canonical(parseForm('amount=1')), canonical(parseForm('amount=2')));
});
