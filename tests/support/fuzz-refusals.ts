// How the security suite checks a refusal: the status, a problem+json body, and none of the data
// a success would carry; for extra fields, refused or provably ignored.
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import type { ApiResponse } from './api.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

/** A refusal: the status, a problem body, and none of the data a success would carry. */
export function refused(response: ApiResponse, statuses: number[], what: string): void {
  assert.ok(
    statuses.includes(response.status),
    `${what}: ${response.status} ${JSON.stringify(response.body)}`,
  );
  assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/, what);
  assert.equal(typeof response.body.type, 'string', what);
  assert.ok(!Array.isArray(response.body), `${what}: no list`);
  for (const field of [
    'id',
    'key',
    'clientSecret',
    'link',
    'question',
    'options',
    'entries',
    'answers',
    'votes',
  ])
    assert.equal(response.body[field], undefined, `${what}: no ${field}`);
}

/** Refused (400 or 422), or taken with the extra field ignored, which `ignored` checks. */
export async function refusedOrIgnored(
  response: ApiResponse,
  what: string,
  ignored: (body: Json) => Promise<void> | void,
) {
  if (response.status === 400 || response.status === 422) return refused(response, [400, 422], what);
  assert.ok(
    response.status >= 200 && response.status < 300,
    `${what}: ${response.status} ${JSON.stringify(response.body)}`,
  );
  await ignored(response.body);
}

/** The workspace a machine client's token names (client credentials grant). */
export async function machineWorkspace(base: string, clientId: string, secret: string): Promise<string> {
  const response = await fetch(`${base}/oidc/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'polls:read',
      resource: `${base}/api`,
    }),
  });
  assert.equal(response.status, 200);
  return String(decodeJwt(((await response.json()) as { access_token: string }).access_token).workspace);
}
