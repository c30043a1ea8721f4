// GET /api/docs: the public OpenAPI document as one self-contained page (no external assets):
// operations grouped by tag, with their credentials, parameters, request body and responses, then
// the shared schemas. Everything from the document is escaped; the inline style and script are
// allowed by their hashes and nothing else is.
import { createHash } from 'node:crypto';
import { escapeHtml } from '@canvass/service-kit';
import { DOCS_SCRIPT, DOCS_STYLE } from './docs-assets.ts';
import { anchorOf, markdownLite, renderSchema, schemaAnchor } from './docs-schema.ts';
import { OPERATION_METHODS, type OpenApiDocument, type Operation } from './openapi-merge.ts';

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
export const DOCS_CSP = `default-src 'none'; style-src ${hash(DOCS_STYLE)}; script-src ${hash(DOCS_SCRIPT)}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: unknown;
}
interface Media {
  schema?: unknown;
}
interface Response {
  description?: string;
  content?: Record<string, Media>;
}
interface Entry {
  method: string;
  path: string;
  operation: Operation;
}

const operationId = ({ method, path }: Entry) =>
  `op-${method}-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;

const statusClass = (status: string) => `s${status.charAt(0)}`;

function credentials(security: unknown, schemes: Record<string, { name?: string; scheme?: string }>): string {
  if (!Array.isArray(security)) return '';
  const options = security.map((requirement: Record<string, unknown>) => {
    const names = Object.keys(requirement);
    if (names.length === 0) return 'none';
    return names
      .map((name) => {
        const scheme = schemes[name];
        const label = scheme?.name ?? (scheme?.scheme === 'bearer' ? 'Authorization: Bearer' : name);
        return `<code>${escapeHtml(label)}</code>`;
      })
      .join(' + ');
  });
  return `<p class="creds"><span class="label">Credentials</span> ${options.join(' <span class="or">or</span> ')}</p>`;
}

function parametersTable(parameters: unknown): string {
  if (!Array.isArray(parameters) || parameters.length === 0) return '';
  const rows = (parameters as Parameter[])
    .map(
      (parameter) =>
        `<tr><td><code class="prop">${escapeHtml(parameter.name)}</code>${
          parameter.required ? '<span class="req" title="required">*</span>' : ''
        }</td><td>${escapeHtml(parameter.in)}</td><td>${renderSchema(parameter.schema)}${
          parameter.description ? `<div class="desc">${markdownLite(parameter.description)}</div>` : ''
        }</td></tr>`,
    )
    .join('');
  return `<h4>Parameters</h4><table class="params"><thead><tr><th>name</th><th>in</th><th>schema</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function contentBlocks(content: Record<string, Media> | undefined): string {
  return Object.entries(content ?? {})
    .map(
      ([type, media]) =>
        `<div class="media"><code class="ctype">${escapeHtml(type)}</code>${renderSchema(media.schema)}</div>`,
    )
    .join('');
}

function requestBody(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  return `<h4>Request body</h4>${contentBlocks((body as { content?: Record<string, Media> }).content)}`;
}

function responses(all: Record<string, unknown> | undefined): string {
  const items = Object.entries((all ?? {}) as Record<string, Response>)
    .map(([status, response]) => {
      const body = contentBlocks(response.content);
      const summary = `<span class="status ${statusClass(status)}">${escapeHtml(status)}</span> ${markdownLite(response.description ?? '')}`;
      // Success answers open: they are what a reader came for.
      return body
        ? `<details class="response"${status.startsWith('2') ? ' open' : ''}><summary>${summary}</summary>${body}</details>`
        : `<div class="response plain">${summary}</div>`;
    })
    .join('');
  return `<h4>Responses</h4>${items}`;
}

function operationSection(entry: Entry, schemes: Record<string, { name?: string; scheme?: string }>): string {
  const { method, path, operation } = entry;
  const search = `${method} ${path} ${operation.summary ?? ''}`.toLowerCase();
  const pathHtml = escapeHtml(path).replace(/\{([^}]+)\}/g, '<span class="param">{$1}</span>');
  return `<section class="op" id="${operationId(entry)}" data-search="${escapeHtml(search)}">
<h3><span class="method m-${method}">${method.toUpperCase()}</span> <code class="path">${pathHtml}</code></h3>
<p class="summary">${markdownLite(String(operation.summary ?? ''))}</p>
${
  typeof operation.description === 'string'
    ? operation.description
        .split('\n\n')
        .map((paragraph) => `<p>${markdownLite(paragraph)}</p>`)
        .join('')
    : ''
}
${credentials(operation.security, schemes)}${parametersTable(operation.parameters)}${requestBody(operation.requestBody)}${responses(operation.responses)}
</section>`;
}

export function docsPage(document: OpenApiDocument): string {
  const schemes = (document.components?.securitySchemes ?? {}) as Record<
    string,
    { name?: string; scheme?: string }
  >;
  const byTag = new Map<string, Entry[]>((document.tags ?? []).map((tag) => [tag.name, []]));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of OPERATION_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const tag = operation.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, operation }]);
    }
  }
  const descriptions = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description ?? '']));
  const groups = [...byTag].filter(([, entries]) => entries.length > 0);
  const nav = groups
    .map(
      ([tag, entries]) =>
        `<li><a href="#${anchorOf('tag', tag)}">${escapeHtml(tag)}</a><ul>${entries
          .map(
            (entry) =>
              `<li data-op="${operationId(entry)}"><a href="#${operationId(entry)}"><span class="method m-${entry.method}">${entry.method.toUpperCase()}</span> ${escapeHtml(String(entry.operation.summary ?? entry.path))}</a></li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('');
  const body = groups
    .map(
      ([tag, entries]) =>
        `<div class="tag" id="${anchorOf('tag', tag)}"><h2>${escapeHtml(tag)}</h2><p class="tagdesc">${markdownLite(descriptions.get(tag) ?? '')}</p>${entries.map((entry) => operationSection(entry, schemes)).join('')}</div>`,
    )
    .join('');
  const schemas = Object.entries(document.components?.schemas ?? {})
    .map(
      ([name, schema]) =>
        `<section class="op" id="${schemaAnchor(name)}"><h3><code>${escapeHtml(name)}</code></h3>${renderSchema(schema)}</section>`,
    )
    .join('');
  const intro = (document.info.description ?? '')
    .split('\n\n')
    .map((paragraph) => `<p>${markdownLite(paragraph)}</p>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(document.info.title)} · reference</title><style>${DOCS_STYLE}</style></head>
<body><nav><div class="brand">${escapeHtml(document.info.title)} <span class="version">v${escapeHtml(document.info.version)}</span></div>
<input id="filter" type="search" placeholder="Filter operations…" aria-label="Filter operations">
<ul class="toc">${nav}<li><a href="#schemas">Schemas</a></li></ul>
<p class="raw"><a href="/api/openapi.json">openapi.json</a> · OpenAPI ${escapeHtml(document.openapi)}</p></nav>
<main><header><h1>${escapeHtml(document.info.title)}</h1>${intro}</header>${body}
<div class="tag" id="schemas"><h2>Schemas</h2>${schemas}</div></main>
<script>${DOCS_SCRIPT}</script></body></html>`;
}
