// JSON request bodies, refused with a 400 that names the problem when they hold what no Canvass
// route accepts and what would otherwise fail deep inside: nesting deeper than MAX_JSON_DEPTH
// (validation and cloning recurse), NUL in a string or key (PostgreSQL refuses \u0000 in text and
// jsonb), lone surrogates (not Unicode: they cannot be stored or encoded as UTF-8), and the keys
// that poison prototypes (`__proto__`, `constructor.prototype`), as fastify's own parser refuses.
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problem.ts';

export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const refuse = (type: string, title: string, detail: string) => new HttpProblem(400, type, title, detail);

/** The deepest nesting of arrays and objects in JSON text, counted without parsing it. */
function tooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === BACKSLASH) i++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) inString = true;
    else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) return true;
    } else if (char === CLOSE_BRACE || char === CLOSE_BRACKET) depth--;
  }
  return false;
}

function checkString(text: string, pointer: string): void {
  if (text.indexOf('\u0000') !== -1) {
    throw refuse(
      'nul-character',
      'The body contains a NUL character',
      `At ${pointer || '/'}: \\u0000 is not allowed in text.`,
    );
  }
  if (!text.isWellFormed()) {
    throw refuse(
      'lone-surrogate',
      'The body contains a lone surrogate',
      `At ${pointer || '/'}: a \\uD800–\\uDFFF escape that is not half of a pair is not Unicode text.`,
    );
  }
}

/** Checks every string and key of a parsed body (depth is already bounded, so recursion is safe). */
function checkValue(value: unknown, pointer: string): void {
  if (typeof value === 'string') {
    checkString(value, pointer);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkValue(value[i], `${pointer}/${i}`);
    return;
  }
  for (const key in value) {
    const at = `${pointer}/${key}`;
    checkString(key, at);
    const child = (value as Record<string, unknown>)[key];
    if (
      key === '__proto__' ||
      (key === 'constructor' && typeof child === 'object' && child !== null && 'prototype' in child)
    ) {
      throw refuse('forbidden-key', 'The body contains a forbidden key', `At ${at}: not allowed.`);
    }
    checkValue(child, at);
  }
}

/** Checks a body parsed some other way (forms): NUL, lone surrogates and prototype keys. */
export function checkParsedBody(value: unknown): void {
  checkValue(value, '');
}

/** Parses a JSON body, or throws a 400 problem naming what is wrong with it. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) {
    throw refuse(
      'empty-json-body',
      'The body is empty',
      'A request with content-type application/json needs a JSON body.',
    );
  }
  // Depth d needs at least d characters: short bodies (votes) skip the scan.
  if (text.length > MAX_JSON_DEPTH && tooDeep(text)) {
    throw refuse(
      'json-too-deep',
      'The body is nested too deeply',
      `Arrays and objects may nest at most ${MAX_JSON_DEPTH} deep.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw refuse('invalid-json', 'The body is not valid JSON', (error as Error).message);
  }
  checkValue(value, '');
  return value;
}

/** Replaces fastify's JSON parser with parseJsonBody. */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
