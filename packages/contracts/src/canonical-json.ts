// Canonical JSON: object keys sorted and undefined values left out, so an event hashes the same
// however storage orders its keys. The polls service hashes its stream with it, and the web app
// rechecks a receipt's hash with it in the browser. No imports: the web app imports this file
// (`@canvass/contracts/canonical-json`) without pulling the schemas in.

// Loops rather than entries/filter/sort/map chains: the polls service hashes every vote's event
// with it. The text must stay byte for byte what it was (stored hash chains and issued receipts
// were made with it); a property test checks it against the first version.
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // As Array.join does with what JSON cannot hold (undefined, functions): nothing.
      out += canonicalJson(value[i]) ?? '';
    }
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const v = object[key];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}
