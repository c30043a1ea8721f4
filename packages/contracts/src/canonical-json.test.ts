import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalJson } from './canonical-json.ts';

/** The same value with every object's keys in reverse order, as storage may hand it back. */
const reordered = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reordered)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([k, v]) => [k, reordered(v)]),
        )
      : value;

test('key order never changes the canonical JSON, and it reads back to the same value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const canonical = canonicalJson(value);
      assert.equal(canonicalJson(reordered(value)), canonical);
      assert.equal(canonicalJson(JSON.parse(canonical)), canonical);
    }),
  );
});

test('keys sorted, undefined left out: the text receipts already issued were hashed over', () => {
  assert.equal(
    canonicalJson({ b: [1, { d: 'x', c: null }], a: true, skipped: undefined }),
    '{"a":true,"b":[1,{"c":null,"d":"x"}]}',
  );
});

/** The first version, which every stored hash chain and issued receipt was made with. */
function firstCanonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(firstCanonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${firstCanonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

test('the text is byte for byte what the first version made, undefined and odd keys included', () => {
  const values = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constant(undefined),
      fc.constant(null),
      fc.boolean(),
      fc.double(),
      fc.string({ unit: 'grapheme' }),
      fc.array(tie('value')),
      fc.dictionary(fc.string({ unit: 'binary' }), tie('value')),
    ),
  })).value;
  fc.assert(
    fc.property(values, (value) => {
      assert.equal(canonicalJson(value), firstCanonicalJson(value));
    }),
    { numRuns: 500 },
  );
});
