// Merges the services' OpenAPI documents into the public one. A service's operation is kept only
// when the gateway routes that method and path to that service (the same precedence as fastify's
// router: static, then parameter, then wildcard segments). Components of the same name are shared
// when identical and renamed `<service>_<name>` (with every reference) when not.
import { isDeepStrictEqual } from 'node:util';
import type { RouteRule } from './routes.ts';

export interface Operation {
  tags?: string[];
  responses?: Record<string, unknown>;
  [key: string]: unknown;
}
export interface Tag {
  name: string;
  description?: string;
}
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  tags?: Tag[];
}
export interface ServiceDocument {
  service: string;
  document: OpenApiDocument;
}

export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const segmentRank = (segment: string) => (segment === '*' ? 0 : segment.startsWith(':') ? 1 : 2);

function matches(pattern: string, url: string): boolean {
  const source = pattern
    .split('/')
    .map((segment) =>
      segment === '*'
        ? '.*'
        : segment.startsWith(':')
          ? '[^/]+'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}/?$`).test(url);
}

/** More specific first: compare segment by segment, static over parameter over wildcard. */
function bySpecificity(a: RouteRule, b: RouteRule): number {
  const left = a.url.split('/').map(segmentRank);
  const right = b.url.split('/').map(segmentRank);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return right[i]! - left[i]!;
  }
  return right.length - left.length;
}

/** The service the gateway hands `METHOD path` (an OpenAPI path, `{param}`) to, if any. */
export function routeOwner(rules: readonly RouteRule[], method: string, path: string): string | undefined {
  const url = path.replace(/\{[^}]+\}/g, (name) => name.slice(1, -1));
  return rules
    .filter((rule) => rule.methods.includes(method.toUpperCase()) && matches(rule.url, url))
    .sort(bySpecificity)[0]?.service;
}

/** The document's own operations as route rules (so the gateway's own routes take precedence). */
export function ownRules(service: string, document: OpenApiDocument): RouteRule[] {
  return Object.entries(document.paths).map(([path, item]) => ({
    url: path.replace(/\{([^}]+)\}/g, ':$1'),
    methods: Object.keys(item).map((method) => method.toUpperCase()),
    service,
  }));
}

function rewriteRefs(value: unknown, renames: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renames));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' && renames.has(inner)
        ? renames.get(inner)
        : rewriteRefs(inner, renames),
    ]),
  );
}

/** Names for `entries` in `into`: their own, or `<service>_<name>` when that is taken by another. */
function namesIn(
  into: Record<string, unknown>,
  entries: Record<string, unknown>,
  service: string,
): Map<string, string> {
  return new Map(
    Object.entries(entries).map(([name, value]) => [
      name,
      name in into && !isDeepStrictEqual(into[name], value) ? `${service}_${name}` : name,
    ]),
  );
}

const sortedByKey = <T>(record: Record<string, T>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function mergeDocuments(
  base: Omit<OpenApiDocument, 'paths'>,
  parts: readonly ServiceDocument[],
  rules: readonly RouteRule[],
): OpenApiDocument {
  const schemas: Record<string, unknown> = {};
  const securitySchemes: Record<string, unknown> = { ...base.components?.securitySchemes };
  const tags = new Map((base.tags ?? []).map((tag) => [tag.name, tag]));
  const paths: OpenApiDocument['paths'] = {};
  for (const { service, document } of parts) {
    const own = document.components?.schemas ?? {};
    const schemaNames = namesIn(schemas, own, service);
    const schemeNames = namesIn(securitySchemes, document.components?.securitySchemes ?? {}, service);
    const refs = new Map(
      [...schemaNames].map(([from, to]) => [`#/components/schemas/${from}`, `#/components/schemas/${to}`]),
    );
    for (const [name, value] of Object.entries(own))
      schemas[schemaNames.get(name)!] = rewriteRefs(value, refs);
    for (const [name, value] of Object.entries(document.components?.securitySchemes ?? {})) {
      securitySchemes[schemeNames.get(name)!] = value;
    }
    for (const tag of document.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!OPERATION_METHODS.includes(method) || routeOwner(rules, method, path) !== service) continue;
        const renamed = rewriteRefs(operation, refs) as Operation;
        if (Array.isArray(renamed.security)) {
          renamed.security = renamed.security.map((requirement: Record<string, unknown>) =>
            Object.fromEntries(
              Object.entries(requirement).map(([scheme, scopes]) => [
                schemeNames.get(scheme) ?? scheme,
                scopes,
              ]),
            ),
          );
        }
        paths[path] = { ...paths[path], [method]: { ...renamed, 'x-canvass-service': service } };
      }
    }
  }
  return {
    ...base,
    paths: sortedByKey(paths),
    components: { schemas: sortedByKey(schemas), securitySchemes },
    tags: [...tags.values()],
  };
}
