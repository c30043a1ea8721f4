// Reading a request's parameters the way Stripe checks them: unknown names refused, required ones
// named when missing, integers and booleans as Stripe spells them in form bodies.
import { invalidRequest, missingParam } from '../errors.ts';
import type { Param, Params } from './form.ts';

/** Refuses any parameter the route does not know (Stripe's `parameter_unknown`). */
export function onlyKnown(params: Params, known: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (!known.includes(name))
      throw invalidRequest('parameter_unknown', `Received unknown parameter: ${name}`, name);
  }
}

export function optionalString(params: Params, name: string): string | null {
  const value = params[name];
  if (value === undefined) return null;
  if (typeof value !== 'string')
    throw invalidRequest(undefined, `Invalid string: ${name} must be a string.`, name);
  if (value === '')
    throw invalidRequest(
      'parameter_invalid_empty',
      `You passed an empty string for '${name}'. We assume empty values are an attempt to unset a parameter; however '${name}' cannot be unset. You should remove '${name}' from your request or supply a non-empty value.`,
      name,
    );
  return value;
}

export function requiredString(params: Params, name: string): string {
  const value = optionalString(params, name);
  if (value === null) throw missingParam(name);
  return value;
}

export function optionalInteger(params: Params, name: string): number | null {
  const value = optionalString(params, name);
  if (value === null) return null;
  if (!/^-?\d{1,15}$/.test(value))
    throw invalidRequest('parameter_invalid_integer', `Invalid integer: ${value.slice(0, 32)}`, name);
  return Number(value);
}

export function requiredInteger(params: Params, name: string): number {
  const value = optionalInteger(params, name);
  if (value === null) throw missingParam(name);
  return value;
}

export function optionalBoolean(params: Params, name: string): boolean {
  const value = optionalString(params, name);
  if (value === null) return false;
  if (value !== 'true' && value !== 'false')
    throw invalidRequest(undefined, `Invalid boolean: ${value.slice(0, 32)}`, name);
  return value === 'true';
}

/** `metadata[key]=value` pairs: at most 50, strings only (Stripe's limits). */
export function metadataOf(params: Params): Record<string, string> {
  const value = params.metadata;
  if (value === undefined || value === '') return {};
  if (typeof value === 'string' || Array.isArray(value))
    throw invalidRequest(undefined, 'Invalid metadata: must be a hash of keys and values.', 'metadata');
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalidRequest(undefined, 'Invalid metadata: at most 50 keys.', 'metadata');
  for (const [key, item] of entries) {
    if (typeof item !== 'string' || key.length > 40 || item.length > 500)
      throw invalidRequest(
        undefined,
        'Invalid metadata: keys up to 40 characters, values strings up to 500.',
        `metadata[${key.slice(0, 40)}]`,
      );
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** A list parameter (`name[0]=a&name[1]=b`, or `name[]=a`). */
export function stringList(params: Params, name: string): string[] | null {
  const value: Param | undefined = params[name];
  if (value === undefined) return null;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((item) => typeof item === 'string'))
    throw invalidRequest(undefined, `Invalid array: ${name} must be a list of strings.`, name);
  return list as string[];
}
