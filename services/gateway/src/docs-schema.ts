// A JSON Schema (2020-12, as OpenAPI 3.1 holds them) shown as a readable tree: properties with
// their types, constraints and descriptions; references link to the schema they name.
import { escapeHtml } from '@canvass/service-kit';

type Schema = Record<string, unknown>;

const MAX_DEPTH = 8;
const CONSTRAINTS: readonly [string, string][] = [
  ['minLength', 'min length'],
  ['maxLength', 'max length'],
  ['minimum', '≥'],
  ['maximum', '≤'],
  ['minItems', 'min items'],
  ['maxItems', 'max items'],
  ['minProperties', 'min properties'],
  ['pattern', 'pattern'],
  ['default', 'default'],
];

export const anchorOf = (kind: string, name: string) => `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
export const schemaAnchor = (name: string) => anchorOf('schema', name);

export const markdownLite = (text: string) =>
  escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null;
const isNull = (schema: unknown) => isSchema(schema) && schema.type === 'null';
const literal = (value: unknown) => `<code class="lit">${escapeHtml(JSON.stringify(value))}</code>`;

/** The type of a schema in a few words (`string (date-time)`, `Poll`, `one of …`). */
function typeLabel(schema: Schema, depth: number): string {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').at(-1) ?? schema.$ref;
    return `<a class="ref" href="#${schemaAnchor(name)}">${escapeHtml(name)}</a>`;
  }
  if ('const' in schema) return literal(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map(literal).join(' | ');
  const union = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) {
    const members = union.filter(isSchema);
    const nullable = members.some(isNull);
    const rest = members.filter((member) => !isNull(member));
    const nullText = '<code class="lit">null</code>';
    const expands = (member: Schema) => member.type === 'object' && isSchema(member.properties);
    if (rest.some(expands)) {
      const blocks = rest.map((member) =>
        expands(member)
          ? renderSchema(member, depth + 1)
          : `<div class="schema">${typeLabel(member, depth + 1)}</div>`,
      );
      const lead = [nullable ? `${nullText} or` : '', rest.length > 1 ? 'one of' : ''].filter(Boolean);
      return `${lead.length > 0 ? `<span class="type">${lead.join(' ')}</span> ` : ''}${blocks.join('')}`;
    }
    const labels = rest.map((member) => `${typeLabel(member, depth + 1)}${constraints(member)}`);
    return `${labels.join(' | ')}${nullable ? ` | ${nullText}` : ''}`;
  }
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any');
  if (type === 'array' && isSchema(schema.items)) return `array of ${typeLabel(schema.items, depth + 1)}`;
  if (type === 'object' && !schema.properties && isSchema(schema.additionalProperties)) {
    return `map of string → ${typeLabel(schema.additionalProperties, depth + 1)}`;
  }
  return `<span class="type">${escapeHtml(type)}</span>${schema.format ? ` <span class="format">(${escapeHtml(schema.format)})</span>` : ''}`;
}

function constraints(schema: Schema): string {
  const notes = CONSTRAINTS.filter(([key]) => key in schema).map(
    ([key, label]) => `${label} ${literal(schema[key])}`,
  );
  if (schema.uniqueItems) notes.push('unique');
  return notes.length > 0 ? ` <span class="constraints">${notes.join(', ')}</span>` : '';
}

function description(schema: Schema): string {
  return typeof schema.description === 'string'
    ? `<div class="desc">${markdownLite(schema.description)}</div>`
    : '';
}

/** Objects expand into their properties (and arrays of objects into their items'). */
export function renderSchema(schema: unknown, depth = 0): string {
  if (!isSchema(schema)) return '';
  const items = schema.type === 'array' && isSchema(schema.items) ? schema.items : undefined;
  const object = items?.type === 'object' ? items : schema.type === 'object' ? schema : undefined;
  const properties = object?.properties as Record<string, Schema> | undefined;
  const head = `${typeLabel(items?.type === 'object' ? { type: 'array' } : schema, depth)}${items?.type === 'object' ? ' of objects' : ''}${constraints(schema)}`;
  if (!properties || depth > MAX_DEPTH) return `<div class="schema">${head}${description(schema)}</div>`;
  const required = new Set((object?.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties)
    .map(
      ([name, property]) =>
        `<li><code class="prop">${escapeHtml(name)}</code>${
          required.has(name)
            ? '<span class="req" title="required">*</span>'
            : '<span class="opt">optional</span>'
        } ${renderSchema(property, depth + 1)}</li>`,
    )
    .join('');
  return `<div class="schema">${head}${description(schema)}<ul class="props">${rows}</ul></div>`;
}
