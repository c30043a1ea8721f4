// Calls a cluster-tier service's own port over mutual TLS, as one of its peers would (or with no
// certificate at all), with the certificates the cluster launcher keeps in .canvass/pki.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiResponse } from './api.ts';

export const PKI_DIR = join(fileURLToPath(new URL('../../', import.meta.url)), '.canvass/pki');

/** `peer`: whose certificate to present (gateway, polls, …); undefined: none. */
export function peerRequest(
  url: string,
  init: { peer?: string | undefined; method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<ApiResponse> {
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        ca: readFileSync(join(PKI_DIR, 'ca.crt')),
        ...(init.peer
          ? {
              cert: readFileSync(join(PKI_DIR, `${init.peer}.crt`)),
              key: readFileSync(join(PKI_DIR, `${init.peer}.key`)),
            }
          : {}),
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...init.headers },
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({
            status: response.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)])),
            body: parsed,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
