// Valid-ish values from the public OpenAPI document's JSON Schemas, as fast-check arbitraries: the
// fuzzer's starting point before it breaks things. Ids a route needs to find something real come
// from hints (by property or parameter name), so requests reach past the "no such poll" answer.
import fc from 'fast-check';
import type { Json } from './openapi-document.ts';

/** Arbitraries to use for a property or parameter of this name, wherever it appears. */
export type Hints = Readonly<Record<string, fc.Arbitrary<unknown>>>;

export function resolveSchema(document: Json, schema: Json): Json {
  let found = schema;
  for (let hops = 0; typeof found?.$ref === 'string' && hops < 20; hops++) {
    found = (found.$ref as string)
      .split('/')
      .slice(1)
      .reduce((node: Json, key: string) => node?.[key], document);
  }
  return found ?? {};
}

const ALPHANUMERIC = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));

function stringOf(schema: Json): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? min + 24, min + 24));
  const fits = (text: string) => text.length >= min && text.length <= (schema.maxLength ?? Infinity);
  switch (schema.format) {
    case 'email':
      return fc
        .string({ unit: ALPHANUMERIC, minLength: 1, maxLength: 12 })
        .map((local) => `fuzz-${local}@example.test`);
    case 'date-time':
      return fc
        .integer({ min: 3_600_000, max: 30 * 86_400_000 })
        .map((ahead) => new Date(Date.now() + ahead).toISOString());
    case 'uri':
      return fc.webUrl();
  }
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern);
    // Filtered by length, with a plain string to fall back on when the pattern allows it.
    const plain = 'a'.repeat(Math.max(min, 1));
    const matching = fc.stringMatching(pattern).filter((text) => fits(text) && pattern.test(text));
    return fits(plain) && pattern.test(plain) ? fc.oneof(matching, fc.constant(plain)) : matching;
  }
  return fc.string({ minLength: min, maxLength: max });
}

function numberOf(schema: Json, integer: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? (schema.exclusiveMinimum === undefined ? -10 : schema.exclusiveMinimum + 1);
  const max = schema.maximum ?? (schema.exclusiveMaximum === undefined ? 1_000 : schema.exclusiveMaximum - 1);
  return integer ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

/** A value that fits `schema` (mostly: patterns and combinations are followed as far as is cheap). */
export function validish(
  document: Json,
  given: Json,
  hints: Hints,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const hinted = name ? hints[name] : undefined;
  if (hinted) return hinted;
  const schema = resolveSchema(document, given);
  if (depth > 8) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union) && union.length > 0)
    return fc.oneof(...union.map((member: Json) => validish(document, member, hints, name, depth + 1)));
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const merged = Object.assign({}, ...schema.allOf.map((part: Json) => resolveSchema(document, part)));
    return validish(document, { ...merged, allOf: undefined }, hints, name, depth + 1);
  }
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const type = types.find((candidate) => candidate !== 'null') ?? types[0];
  switch (type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return numberOf(schema, true);
    case 'number':
      return numberOf(schema, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = validish(document, schema.items ?? {}, hints, '', depth + 1);
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? minLength + 3, minLength + 3));
      return schema.uniqueItems
        ? fc.uniqueArray(items, { minLength, maxLength, selector: (value) => JSON.stringify(value) })
        : fc.array(items, { minLength, maxLength });
    }
    case 'object':
      return objectOf(document, schema, hints, depth);
    default:
      return schema.properties ? objectOf(document, schema, hints, depth) : fc.jsonValue({ maxDepth: 2 });
  }
}

function objectOf(document: Json, schema: Json, hints: Hints, depth: number): fc.Arbitrary<unknown> {
  const properties = Object.entries((schema.properties ?? {}) as Record<string, Json>);
  const required: string[] = (schema.required ?? []).filter((key: string) =>
    properties.some(([name]) => name === key),
  );
  const model = Object.fromEntries(
    properties.map(([key, value]) => [key, validish(document, value, hints, key, depth + 1)]),
  );
  const extra =
    typeof schema.additionalProperties === 'object' || schema.patternProperties
      ? fc.dictionary(
          fc.string({ unit: ALPHANUMERIC, minLength: 1, maxLength: 8 }),
          validish(
            document,
            typeof schema.additionalProperties === 'object'
              ? schema.additionalProperties
              : Object.values(schema.patternProperties)[0],
            hints,
            '',
            depth + 1,
          ),
          { maxKeys: 2 },
        )
      : fc.constant({});
  return fc
    .tuple(fc.record(model, { requiredKeys: required, noNullPrototype: true }), extra)
    .map(([fields, more]) => ({ ...more, ...fields }))
    .filter((value) => Object.keys(value).length >= (schema.minProperties ?? 0));
}
