// Stripe's request bodies: application/x-www-form-urlencoded with bracket nesting, as the SDK
// writes them (`metadata[order]=42`, `enabled_events[0]=a`, `expand[]=b`). Parsed into plain
// nested objects; objects whose keys are all 0..n-1 become arrays.
import { invalidRequest } from '../errors.ts';

export type Params = { [name: string]: Param };
export type Param = string | Params | Param[];

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);
const MAX_DEPTH = 5;

export function parseForm(body: string): Params {
  const root: Params = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const match = KEY.exec(key);
    if (!match) throw invalidRequest(undefined, `Invalid parameter name: ${key.slice(0, 64)}`);
    const path = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    if (path.length > MAX_DEPTH || path.some((segment) => FORBIDDEN.has(segment)))
      throw invalidRequest(undefined, `Invalid parameter name: ${key.slice(0, 64)}`);
    let node: Params = root;
    path.forEach((segment, i) => {
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      if (i === path.length - 1) {
        if (typeof (node[name] ?? '') !== 'string')
          throw invalidRequest(undefined, `Invalid parameter name: ${key.slice(0, 64)}`);
        node[name] = value;
        return;
      }
      const next = node[name];
      if (typeof next === 'string' || Array.isArray(next))
        throw invalidRequest(undefined, `Invalid parameter name: ${key.slice(0, 64)}`);
      if (next === undefined) {
        const child: Params = {};
        node[name] = child;
        node = child;
      } else node = next;
    });
  }
  return toArrays(root) as Params;
}

function toArrays(node: Param): Param {
  if (typeof node === 'string' || Array.isArray(node)) return node;
  const keys = Object.keys(node);
  const converted = Object.fromEntries(keys.map((key) => [key, toArrays(node[key]!)]));
  const isList = keys.length > 0 && keys.every((key, i) => key === String(i));
  return isList ? keys.map((key) => converted[key]!) : converted;
}

/** The same parameters whatever order they came in: what idempotency compares. */
export function canonical(params: Param): string {
  if (typeof params === 'string') return JSON.stringify(params);
  if (Array.isArray(params)) return `[${params.map(canonical).join(',')}]`;
  const keys = Object.keys(params).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(params[key]!)}`).join(',')}}`;
}
