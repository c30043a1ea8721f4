// Reading the public OpenAPI document as a client would: its operations, requests built from their
// parameter and body schemas, and answers checked against the responses they list (JSON Schema
// 2020-12, with ajv).
import { randomUUID } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats, { type FormatsPlugin } from 'ajv-formats';
import type { ApiResponse } from './api.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON Schemas and OpenAPI objects are read as plain JSON.
export type Json = any;

export interface DocumentedOperation {
  method: string;
  path: string;
  operation: Json;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function operationsOf(document: Json): DocumentedOperation[] {
  return Object.entries(document.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ method, path, operation: item[method] })),
  );
}

/** `/api/v1/polls/{pollId}` as fastify writes it: `/api/v1/polls/:pollId`. */
export const fastifyPath = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');

const DOCUMENT_ID = 'urn:canvass:openapi';
// A CommonJS module whose default export is the plugin itself.
const addFormats = ajvFormats as unknown as FormatsPlugin;

/** Compiles the document's response schemas; `#/components/…` references resolve into the document. */
export function responseChecker(document: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: DOCUMENT_ID, components: document.components });
  const anchored = (schema: Json): Json =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${DOCUMENT_ID}#/components/`));
  const schemaErrors = (schema: Json): string[] =>
    ajv.validateSchema(anchored(schema))
      ? []
      : (ajv.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);

  return {
    /** Every Schema Object in the document is a valid JSON Schema 2020-12 (the OpenAPI schema does not look inside them). */
    invalidSchemas(): string[] {
      const found: string[] = [];
      for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
        for (const error of schemaErrors(schema)) found.push(`components.schemas.${name}: ${error}`);
      }
      for (const { method, path, operation } of operationsOf(document)) {
        const media = [
          ...Object.values(operation.requestBody?.content ?? {}),
          ...Object.values(operation.responses ?? {}).flatMap((response: Json) =>
            Object.values(response.content ?? {}),
          ),
          ...(operation.parameters ?? []),
        ] as Json[];
        for (const { schema } of media) {
          for (const error of schemaErrors(schema ?? {})) found.push(`${method} ${path}: ${error}`);
        }
      }
      return found;
    },
    /** What is wrong with a value, by a schema from the document (empty: it matches). */
    errorsOf(schema: Json, value: unknown): string[] {
      const validate = ajv.compile(anchored(schema));
      return validate(value)
        ? []
        : (validate.errors ?? []).map((error) => `${error.instancePath}: ${error.message}`);
    },
    /** What is wrong with an answer, by what the operation documents (empty: it answers as documented). */
    mismatches({ operation }: DocumentedOperation, response: ApiResponse): string[] {
      const documented = operation.responses?.[String(response.status)];
      if (!documented) return [`status ${response.status} is not documented`];
      if (response.status >= 500) return [`status ${response.status}: the platform failed`];
      if (response.body?.type === '/problems/route-not-found') return ['the gateway routes nothing here'];
      const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim();
      const content = documented.content as Record<string, Json> | undefined;
      if (!content)
        return type && response.body !== '' ? [`${response.status} documents no body, got ${type}`] : [];
      const media = content[type];
      if (!media)
        return [
          `${response.status} answered ${type || 'no content type'}; documented ${Object.keys(content).join(', ')}`,
        ];
      if (!/json$/.test(type)) return typeof response.body === 'string' ? [] : [`${type} body is not text`];
      return this.errorsOf(media.schema, response.body).map((error) => `${response.status} body${error}`);
    },
  };
}

const resolve = (document: Json, schema: Json): Json =>
  typeof schema?.$ref === 'string'
    ? resolve(
        document,
        schema.$ref
          .split('/')
          .slice(1)
          .reduce((node: Json, key: string) => node?.[key], document),
      )
    : schema;

/** A small valid value for a schema: defaults, first choices, required properties only, shortest lengths. */
export function sampleOf(document: Json, given: Json, name = ''): unknown {
  const schema = resolve(document, given) ?? {};
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union))
    return sampleOf(document, union.find((member: Json) => member.type !== 'null') ?? union[0], name);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'email') return `walker-${randomUUID().slice(0, 8)}@example.test`;
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      const text = `w${randomUUID().replaceAll('-', '')}`.repeat(Math.ceil((schema.minLength ?? 1) / 33));
      return text.slice(0, Math.max(schema.minLength ?? 0, Math.min(text.length, schema.maxLength ?? 12)));
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleOf(document, schema.items, name));
    case 'object': {
      const properties = Object.entries((schema.properties ?? {}) as Record<string, Json>);
      const required = new Set<string>(schema.required ?? []);
      // Enough optional properties to meet minProperties.
      for (const [key] of properties) {
        if (required.size >= (schema.minProperties ?? 0)) break;
        required.add(key);
      }
      return Object.fromEntries(
        properties
          .filter(([key]) => required.has(key))
          .map(([key, value]) => [key, sampleOf(document, value, key)]),
      );
    }
    default:
      return name;
  }
}
