// The kinds of input the fuzzer sends, one way of breaking a valid-ish request each: in the body
// (wrong types, missing and extra fields, huge strings, NUL bytes, lone surrogates, odd Unicode,
// deep nesting, malformed JSON, no body, the wrong content type), in a path parameter (dot-segments,
// empty, `%00`, bad percent-encoding, over-long, odd Unicode), in the query (bad values, odd
// shapes, bad cursors) and in the head (bad header values, oversized heads).
import fc from 'fast-check';
import type { FuzzRequest } from './fuzz.ts';
import {
  bodySchemaOf,
  CURSOR_NAMES,
  type Draft,
  encodeQuery,
  isObject,
  isString,
  jsonText,
  PLACEHOLDER,
  parametersOf,
  placesIn,
  pointer,
  request,
  targetOf,
  withoutAt,
  withValueAt,
} from './fuzz-draft.ts';
import {
  anyJsonType,
  badCursor,
  badHeaderValue,
  badPercent,
  badQueryValue,
  dotSegments,
  emptyOrSlash,
  extraFieldName,
  hugeString,
  longSegment,
  malformedJson,
  nestedJson,
  nesting,
  nulInPath,
  oddPathSegment,
  oddQueryShape,
  oddUnicode,
  oversizedHeaders,
  withLoneSurrogate,
  withNul,
  wrongContentType,
} from './fuzz-inputs.ts';
import type { DocumentedOperation } from './openapi-document.ts';

export interface Kind {
  name: string;
  applies(op: DocumentedOperation): boolean;
  arbitrary(op: DocumentedOperation, draft: fc.Arbitrary<Draft>): fc.Arbitrary<FuzzRequest>;
  weight?: number;
}

const hasBody = (op: DocumentedOperation) => bodySchemaOf(op) !== undefined;
const takesBody = (op: DocumentedOperation) => ['post', 'put', 'patch', 'delete'].includes(op.method);
const hasPathParams = (op: DocumentedOperation) => parametersOf(op, 'path').length > 0;
const always = () => true;

/** Puts a value drawn from `values` at one of the body's places where `keep` holds (else anywhere). */
function inBody(name: string, values: fc.Arbitrary<unknown>, keep: (node: unknown) => boolean): Kind {
  return {
    name,
    applies: hasBody,
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, fc.nat(), values).map(([draft, pick, value]) => {
        const strings = placesIn(draft.body, keep);
        const places = strings.length > 0 ? strings : placesIn(draft.body);
        const path = places[pick % places.length]!;
        return request(op, name, pointer(path), { ...draft, body: withValueAt(draft.body, path, value) });
      }),
  };
}

/** Puts a raw value (encoded by the catalogue as it wants it sent) into one path parameter. */
function inPath(name: string, values: (real: string) => fc.Arbitrary<string>): Kind {
  return {
    name,
    applies: hasPathParams,
    arbitrary: (op, drafts) =>
      fc
        .tuple(drafts, fc.nat())
        .chain(([draft, pick]) => {
          const names = parametersOf(op, 'path').map((parameter) => parameter.name as string);
          const param = names[pick % names.length]!;
          return values(encodeURIComponent(draft.params[param] ?? 'x')).map((value) => ({
            draft,
            param,
            value,
          }));
        })
        .map(({ draft, param, value }) =>
          request(op, name, `path ${param}`, draft, {
            target: targetOf(op, draft, { path: [param, value] }),
          }),
        ),
  };
}

const queryNames = (op: DocumentedOperation) =>
  parametersOf(op, 'query').map((parameter) => parameter.name as string);

export const KINDS: readonly Kind[] = [
  {
    name: 'valid',
    applies: always,
    weight: 2,
    arbitrary: (op, drafts) => drafts.map((draft) => request(op, 'valid', '', draft)),
  },
  inBody('wrong-type (body)', anyJsonType, always),
  {
    name: 'missing-field (body)',
    applies: hasBody,
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, fc.nat()).map(([draft, pick]) => {
        const places = placesIn(draft.body).filter((path) => path.length > 0);
        if (places.length === 0)
          return request(op, 'missing-field (body)', '(whole body)', { ...draft, body: {} });
        const path = places[pick % places.length]!;
        return request(op, 'missing-field (body)', pointer(path), {
          ...draft,
          body: withoutAt(draft.body, path),
        });
      }),
  },
  {
    name: 'extra-field (body)',
    applies: hasBody,
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, fc.nat(), extraFieldName, anyJsonType).map(([draft, pick, field, value]) => {
        const objects = placesIn(draft.body, isObject);
        const at = objects.length > 0 ? objects[pick % objects.length]! : [];
        const body = objects.length > 0 ? draft.body : {};
        return request(op, 'extra-field (body)', pointer([...at, field]), {
          ...draft,
          body: withValueAt(body, [...at, field], value),
        });
      }),
  },
  inBody('huge-string (body)', hugeString, isString),
  inBody('nul-byte (body)', withNul, isString),
  inBody('lone-surrogate (body)', withLoneSurrogate, isString),
  inBody('odd-unicode (body)', oddUnicode, isString),
  {
    name: 'deep-nesting (body)',
    applies: takesBody,
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, fc.nat(), nesting).map(([draft, pick, { depth, shape }]) => {
        const places = draft.body === undefined ? [[]] : placesIn(draft.body);
        const path = places[pick % places.length]!;
        const body = jsonText(withValueAt(draft.body, path, PLACEHOLDER), nestedJson(depth, shape));
        return request(op, 'deep-nesting (body)', `${pointer(path)} ${shape} ${depth} deep`, draft, { body });
      }),
  },
  {
    name: 'malformed-json (body)',
    applies: takesBody,
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, malformedJson).map(([draft, body]) =>
        request(op, 'malformed-json (body)', JSON.stringify(body.toString('latin1').slice(0, 40)), draft, {
          body,
        }),
      ),
  },
  {
    name: 'empty-body',
    applies: takesBody,
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, fc.boolean()).map(([draft, typed]) =>
        typed
          ? request(op, 'empty-body', 'content-type application/json, no bytes', draft, {
              body: Buffer.alloc(0),
              headers: { 'content-length': '0' },
            })
          : request(op, 'empty-body', 'no content type, no body', draft, { body: null }),
      ),
  },
  {
    name: 'wrong-content-type',
    applies: takesBody,
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, wrongContentType).map(([draft, contentType]) =>
        request(op, 'wrong-content-type', String(contentType), draft, {
          body: jsonText(draft.body ?? {}),
          contentType,
        }),
      ),
  },
  inPath('dot-segments (path)', dotSegments),
  inPath('empty-or-slash (path)', () => emptyOrSlash),
  inPath('nul (path)', nulInPath),
  inPath('bad-percent-encoding (path)', (real) =>
    badPercent.chain((bad) => fc.constantFrom(bad, `${real}${bad}`)),
  ),
  inPath('over-long (path)', () => longSegment),
  inPath('odd-unicode (path)', () => oddPathSegment),
  {
    name: 'bad-value (query)',
    applies: always,
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, fc.nat(), badQueryValue).map(([draft, pick, value]) => {
        const names = queryNames(op);
        const name = names.length > 0 ? names[pick % names.length]! : 'limit';
        const others = draft.query.filter(([other]) => other !== name);
        const query = [encodeQuery(others), `${encodeURIComponent(name)}=${value}`].filter(Boolean).join('&');
        return request(op, 'bad-value (query)', `query ${name}`, draft, {
          target: targetOf(op, draft, { query }),
        });
      }),
  },
  {
    name: 'odd-shape (query)',
    applies: always,
    arbitrary: (op, drafts) =>
      fc
        .tuple(drafts, fc.nat())
        .chain(([draft, pick]) => {
          const names = queryNames(op);
          return oddQueryShape(names.length > 0 ? names[pick % names.length]! : 'status').map((query) => ({
            draft,
            query,
          }));
        })
        .map(({ draft, query }) =>
          request(op, 'odd-shape (query)', query.slice(0, 40), draft, {
            target: targetOf(op, draft, { query }),
          }),
        ),
  },
  {
    name: 'bad-cursor (query)',
    applies: (op) => queryNames(op).some((name) => CURSOR_NAMES.has(name)),
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, badCursor).map(([draft, cursor]) => {
        const name = queryNames(op).find((candidate) => CURSOR_NAMES.has(candidate))!;
        const query = [encodeQuery(draft.query.filter(([other]) => other !== name)), `${name}=${cursor}`]
          .filter(Boolean)
          .join('&');
        return request(op, 'bad-cursor (query)', `query ${name}`, draft, {
          target: targetOf(op, draft, { query }),
        });
      }),
  },
  {
    name: 'bad-header',
    applies: always,
    arbitrary: (op, drafts) =>
      fc.tuple(drafts, fc.nat(), badHeaderValue).map(([draft, pick, value]) => {
        const names = [
          'authorization',
          ...parametersOf(op, 'header').map((parameter) => String(parameter.name).toLowerCase()),
          ...Object.values(draft.scene.credentials).flatMap((headers) => Object.keys(headers)),
        ];
        const name = names[pick % names.length]!;
        return request(op, 'bad-header', `header ${name}`, draft, { headers: { [name]: value } });
      }),
  },
  {
    name: 'oversized-headers',
    applies: always,
    weight: 0.5,
    arbitrary: (op, drafts) =>
      fc
        .tuple(drafts, oversizedHeaders)
        .map(([draft, headers]) =>
          request(
            op,
            'oversized-headers',
            `${Object.keys(headers).length} headers, ${Object.values(headers).join('').length} bytes`,
            draft,
            { headers },
          ),
        ),
  },
];
