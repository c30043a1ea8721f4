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
