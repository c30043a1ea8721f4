// The hostile inputs the fuzzer draws from (tests/support/fuzz.ts): strings a database or a parser
// may choke on, path segments that try to leave their route, cursors that are not cursors, content
// types and headers a client should not send. Catalogues of known troublemakers mixed with values
// fast-check makes up, so a run covers the classics and something new each seed.
import fc from 'fast-check';

const around = (middle: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.string({ maxLength: 6 }), middle, fc.string({ maxLength: 6 }))
    .map(([before, value, after]) => `${before}${value}${after}`);

/** U+0000 somewhere in an otherwise ordinary string (PostgreSQL text cannot hold it). */
export const withNul = around(fc.constantFrom('\u0000', '\u0000\u0000', 'a\u0000'));

/** A UTF-16 half of a pair on its own: not encodable as UTF-8. */
export const withLoneSurrogate = around(
  fc.oneof(
    fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
    fc.constantFrom('\ud800', '\udfff', '\udc00\ud800'),
  ),
);

const ODD_UNICODE = [
  '\u202eevil\u202c', // right-to-left override
  'zero\u200bwidth',
  '\ufeffbom',
  'e\u0301\u0301\u0301', // stacked combining marks
  '𝕬𝖇𝖈',
  '👩‍👩‍👧‍👦',
  '\u0130stanbul', // İ: lower-cases to two code points
  'stra\u00dfe',
  'ﬁ',
  '／etc／passwd',
  'line\u2028break',
  'next\u0085line',
  'carriage\r\nreturn',
  '\u001b[31mred',
  '<script>alert(1)</script>',
  "'; drop table polls; --",
  '{{7*7}}',
  '$' + '{7*7}', // a template literal's placeholder, as text
  '%s%n%x',
  'ＡＢＣ１２３',
  '\uffff\ufffe',
  '\u{10ffff}',
];

/** Strings that are valid Unicode but unusual: direction marks, joiners, astral planes, markup. */
export const oddUnicode: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...ODD_UNICODE),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
);

/** Very long strings: past every maxLength, some past the 256 KiB body limit. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(1_000, 20_000, 120_000, 300_000), fc.constantFrom('a', 'é', '𝕬', ' ', '%', '"'))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

/** A value of some JSON type, to put where another type belongs. */
export const anyJsonType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1, '', [], {}),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 12 }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

/** Fields a client might add hoping the server takes them (mass assignment, prototype pollution). */
export const extraFieldName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'workspaceId',
    'workspace',
    'role',
    'ownerId',
    'userId',
    'id',
    'plan',
    'scopes',
    'status',
    'createdAt',
    'emailVerified',
    'isAdmin',
    '__proto__',
    'constructor',
    'prototype',
  ),
  fc.string({ minLength: 1, maxLength: 12 }),
);

/** JSON text nested `depth` deep; built as text, since building the value would overflow our own stack. */
export function nestedJson(depth: number, shape: 'array' | 'object' | 'mixed'): string {
  if (shape === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
  if (shape === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const half = Math.floor(depth / 2);
  return `${'[{"a":'.repeat(half)}1${'}]'.repeat(half)}`;
}

export const nesting = fc.record({
  depth: fc.constantFrom(64, 1_000, 10_000, 100_000),
  shape: fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed'),
});

/** Request bodies that are not JSON, or JSON of a kind a route does not expect. */
export const malformedJson: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom(
      '{',
      '}',
      '{"a":}',
      '[1,]',
      "{'a':1}",
      'NaN',
      '{"a":1}{"a":2}',
      '{"a":1} trailing',
      '\ufeff{}',
      'null',
      'true',
      '""',
      '[]',
      '1e999999',
      '-',
      '12345678901234567890123456789',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      '{"a":"\\x00"}',
    )
    .map((text) => Buffer.from(text)),
  // Not UTF-8: a broken two-byte sequence, an overlong '/', UTF-16.
  fc.constantFrom(
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]),
    Buffer.from('{"a":"b"}', 'utf16le'),
  ),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }).map((text) => Buffer.from(text, 'latin1')),
);

/** Content types other than application/json, or application/json said oddly; null sends none. */
export const wrongContentType: fc.Arbitrary<string | null> = fc.constantFrom(
  null,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json;;',
  'APPLICATION/JSON',
  'application/problem+json',
  'application/merge-patch+json',
  '*/*',
  'json',
  ';',
  'application/json, text/plain',
);

/** A path parameter that tries to leave its route: dot-segments, raw and encoded. */
export const dotSegments = (real: string): fc.Arbitrary<string> =>
  fc.constantFrom(
    '..',
    '.',
    '../..',
    '..%2f..',
    '%2e%2e',
    '%2E%2E%2F%2E%2E',
    '.%2e',
    '..;',
    '..\\..',
    '....//',
    `x/../${real}`,
    `${real}/..`,
    `${real}/../..`,
    '../../../metrics',
    '../../openapi.json',
    '..%2f..%2f..%2fmetrics',
    '../../../admin/v1/services',
    '../../../internal/v1/api-keys/verify',
  );

/** A path parameter that is empty, or a slash (raw or encoded), so the path has a segment more or less. */
export const emptyOrSlash: fc.Arbitrary<string> = fc.constantFrom('', '%2F', '%2f%2f', '/', '//', '%20', '+');

/** `%00` in a path parameter, alone or after a real id. */
export const nulInPath = (real: string): fc.Arbitrary<string> =>
  fc.constantFrom('%00', `${real}%00`, '%00.json', 'a%00b', `%00${real}`, '%2500');

/** Percent-encoding that does not decode, or decodes to something that is not UTF-8. */
export const badPercent: fc.Arbitrary<string> = fc.constantFrom(
  '%',
  '%zz',
  '%0',
  '%G1',
  '%%',
  'abc%',
  '%e0%a4',
  '%c0%af',
  '%c3%28',
  '%ff%fe',
  '%ED%A0%80', // a UTF-16 surrogate, as CESU-8
  '%u0041',
);

/** Over-long path parameters (the last one is past the 16 KiB Node allows for a request head). */
export const longSegment: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(65, 257, 2_048, 8_192, 20_000), fc.constantFrom('a', '0', '-', '%41'))
  .map(([length, unit]) => unit.repeat(length));

/** Odd Unicode in a path parameter, percent-encoded as UTF-8, or raw Latin-1 bytes. */
export const oddPathSegment: fc.Arbitrary<string> = fc.oneof(
  oddUnicode.map((text) => encodeURIComponent(text)),
  fc.constantFrom('\xff\xfe', 'caf\xe9', '\xa0'),
);

/** Values for a query parameter that fit no schema: wrong types, overflows, encodings. */
export const badQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    '%20',
    '-1',
    '0',
    '1.5',
    '1e309',
    '99999999999999999999',
    'abc',
    'true',
    'null',
    '0x10',
    '%00',
    '%zz',
    '%ED%A0%80',
    'a'.repeat(10_000),
  ),
  oddUnicode.map((text) => encodeURIComponent(text)),
);

/** Query strings whose shape is wrong, whatever the route takes. */
export const oddQueryShape = (name: string): fc.Arbitrary<string> =>
  fc.constantFrom(
    `${name}=1&${name}=2`,
    `${name}[]=1`,
    `${name}[a]=b`,
    '__proto__[polluted]=1',
    'constructor[prototype][polluted]=1',
    '&&&',
    '=',
    '%=%',
    `${name}=1;${name}=2`,
    `${name}`,
  );

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** What a paging cursor might be sent as instead of the `next` a page gave. */
export const badCursor: fc.Arbitrary<string> = fc.oneof(
  fc
    .constantFrom(
      '~',
      'x~y',
      '0~',
      '~~~',
      '-1',
      'NaN',
      '1e308',
      '[]',
      '2024-13-45T99:99:99.999Z~a',
      '9999-12-31T23:59:59.999Z~zzzz',
      '275760-09-13T00:00:00.001Z~a',
      '2024-01-01T00:00:00.000Z~',
      'garbage',
    )
    .chain((text) => fc.constantFrom(text, base64url(text)))
    .map((text) => encodeURIComponent(text)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((text) => encodeURIComponent(text)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map(base64url),
  withNul.map((text) => encodeURIComponent(base64url(text))),
  fc.constantFrom('%00', '%zz', '%ED%A0%80', 'A'.repeat(5_000)),
);

/** Header values a client can send (Node refuses control characters): garbage, huge, Latin-1. */
export const badHeaderValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\xff\xfe',
    'x'.repeat(8_000),
    'Bearer',
    'Bearer ',
    'Bearer cvk_',
    `Bearer cvk_${'a'.repeat(16)}_${'a'.repeat(43)}`,
    `Bearer cvk_${'a'.repeat(500)}`,
    'Bearer cvk_a_b_c_d',
    'Basic Zm9vOmJhcg==',
    'Bearer a.b.c',
    'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    `Bearer ${'.'.repeat(100)}`,
    'bearer lower-case',
    'Bearer\ttab',
    'Bearer %00',
  ),
  fc.string({ unit: 'grapheme-ascii', maxLength: 40 }),
);

/**
 * Request heads past the 16 KiB Node accepts: one huge header, or very many. Kept under 64 KiB, so
 * the server reads the whole head at once and can answer before it closes the connection.
 */
export const oversizedHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  fc.constantFrom(20_000, 40_000).map((length) => ({ 'x-fuzz': 'a'.repeat(length) })),
  fc
    .constantFrom(120, 250)
    .map((count) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-fuzz-${i}`, 'b'.repeat(150)])),
    ),
);
