// The valid-ish request the fuzzer starts from (a draft: path parameters, query, headers and a JSON
// body drawn from the operation's schemas and a scene's real ids), how a draft becomes the bytes
// sent, and the small edits of a JSON body the hostile kinds make (fuzz-kinds.ts).
import fc from 'fast-check';
import type { FuzzRequest, Round, Scene } from './fuzz.ts';
import { validish } from './fuzz-schema.ts';
import type { DocumentedOperation, Json } from './openapi-document.ts';

export interface Draft {
  scene: Scene;
  params: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  /** The JSON body; undefined sends none. */
  body: unknown;
}

export type Path = (string | number)[];
const ACCEPT = { accept: 'application/json' };
export const PLACEHOLDER = '\u2063canvass-fuzz-raw\u2063';
// Paging cursors: valid-ish requests leave them out (only a page's `next` is valid, and the
// schemas cannot say so); the bad-cursor kind sends everything else.
export const CURSOR_NAMES = new Set(['after', 'before', 'cursor', 'next', 'page']);

export const operationKey = ({ method, path }: DocumentedOperation) => `${method.toUpperCase()} ${path}`;

export const parametersOf = (op: DocumentedOperation, where: string): Json[] =>
  ((op.operation.parameters ?? []) as Json[]).filter((parameter) => parameter.in === where);

export const bodySchemaOf = (op: DocumentedOperation): Json | undefined =>
  op.operation.requestBody?.content?.['application/json']?.schema;

const schemesOf = (op: DocumentedOperation): Set<string> =>
  new Set(((op.operation.security ?? []) as Json[]).flatMap((requirement) => Object.keys(requirement)));

/** A request as the document describes it, with values from a scene and the schemas. */
export function draftOf(document: Json, op: DocumentedOperation, round: Round): fc.Arbitrary<Draft> {
  const schemes = schemesOf(op);
  return fc.constantFrom(...round.scenes).chain((scene) => {
    const valueFor = (parameter: Json): fc.Arbitrary<string> =>
      parameter.name in scene.params
        ? fc.constant(scene.params[parameter.name]!)
        : validish(document, parameter.schema ?? { type: 'string' }, scene.hints, parameter.name).map(String);
    const path = fc.record(
      Object.fromEntries(parametersOf(op, 'path').map((parameter) => [parameter.name, valueFor(parameter)])),
    );
    const named = (where: string): fc.Arbitrary<[string, string][]> => {
      const pairs = parametersOf(op, where)
        .filter(
          (parameter) =>
            parameter.required || !CURSOR_NAMES.has(parameter.name) || parameter.name in scene.hints,
        )
        .map((parameter): fc.Arbitrary<[string, string] | null> => {
          const pair = valueFor(parameter).map((value): [string, string] => [parameter.name, value]);
          return parameter.required ? pair : fc.option(pair);
        });
      return fc
        .tuple(...pairs)
        .map((found) => found.filter((pair): pair is [string, string] => pair !== null));
    };
    const bodySchema = bodySchemaOf(op);
    return fc
      .tuple(
        path,
        named('query'),
        named('header'),
        bodySchema ? validish(document, bodySchema, scene.hints) : fc.constant(undefined),
      )
      .map(([params, query, headers, body]) => {
        const credentials = Object.entries(scene.credentials)
          .filter(([scheme]) => schemes.has(scheme))
          .map(([, values]) => values);
        return {
          scene,
          params: params as Record<string, string>,
          query,
          headers: Object.assign({}, ACCEPT, round.headers, ...credentials, Object.fromEntries(headers)),
          body,
        };
      });
  });
}

export const encodeQuery = (pairs: readonly (readonly [string, string])[]) =>
  pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');

export function targetOf(
  op: DocumentedOperation,
  draft: Draft,
  raw: { path?: [string, string]; query?: string } = {},
) {
  const path = op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    raw.path?.[0] === name ? raw.path[1] : encodeURIComponent(draft.params[name] ?? ''),
  );
  const query = raw.query ?? encodeQuery(draft.query);
  return query ? `${path}?${query}` : path;
}

/** JSON text of `value`, with the placeholder string replaced by `raw` text (deep nesting). */
export function jsonText(value: unknown, raw?: string): Buffer {
  const text = value === undefined ? '' : JSON.stringify(value);
  return Buffer.from(raw === undefined ? text : text.replace(JSON.stringify(PLACEHOLDER), raw));
}

export function request(
  op: DocumentedOperation,
  input: string,
  where: string,
  draft: Draft,
  changes: {
    target?: string;
    body?: Buffer | null;
    contentType?: string | null;
    headers?: Record<string, string>;
  } = {},
): FuzzRequest {
  const body =
    changes.body === undefined ? (draft.body === undefined ? undefined : jsonText(draft.body)) : changes.body;
  const contentType = changes.contentType === undefined ? 'application/json' : changes.contentType;
  return {
    operation: operationKey(op),
    input,
    where,
    method: op.method.toUpperCase(),
    target: changes.target ?? targetOf(op, draft),
    headers: {
      ...draft.headers,
      ...(body !== null && body !== undefined && contentType !== null ? { 'content-type': contentType } : {}),
      ...changes.headers,
    },
    ...(body !== null && body !== undefined ? { body } : {}),
  };
}

/** Every place in a JSON value (paths from the root), or only those where `keep` holds. */
export function placesIn(
  value: unknown,
  keep: (node: unknown) => boolean = () => true,
  at: Path = [],
): Path[] {
  const here = keep(value) ? [at] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((item, i) => placesIn(item, keep, [...at, i]))];
  if (value !== null && typeof value === 'object')
    return [...here, ...Object.entries(value).flatMap(([key, item]) => placesIn(item, keep, [...at, key]))];
  return here;
}

export const pointer = (path: Path) => (path.length === 0 ? '(whole body)' : `/${path.join('/')}`);

export function withValueAt(body: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  Object.defineProperty(node, path.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

export function withoutAt(body: unknown, path: Path): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  if (Array.isArray(node)) node.splice(Number(path.at(-1)), 1);
  else delete node[path.at(-1)!];
  return copy;
}

export const isString = (node: unknown) => typeof node === 'string';
export const isObject = (node: unknown) => node !== null && typeof node === 'object' && !Array.isArray(node);
