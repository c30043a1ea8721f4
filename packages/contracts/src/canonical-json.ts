// Canonical JSON: object keys sorted and undefined values left out, so an event hashes the same
// however storage orders its keys. The polls service hashes its stream with it, and the web app
// rechecks a receipt's hash with it in the browser. No imports: the web app imports this file
// (`@canvass/contracts/canonical-json`) without pulling the schemas in.

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
