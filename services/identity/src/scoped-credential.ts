// What API keys and machine clients share: the body that makes one, and the rule that a
// credential never carries more than whoever made it. Each is answerable to one person (who
// made it, or whoever made the credential that made it), so it can go when that person leaves.
import { ALL_SCOPES, HttpProblem, type Identity } from '@canvass/service-kit';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import type { IdentityTables } from './tables.ts';

/** What creating an API key or a machine client takes: a name and the scopes it may use. */
export const ScopedCredentialBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    scopes: Type.Array(Type.Union(ALL_SCOPES.map((scope) => Type.Literal(scope))), {
      minItems: 1,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);

export const BEYOND_CALLER: [number, string] = [
  403,
  'Without the api-keys:manage permission, or asking for scopes the caller does not hold itself.',
];

/** Refuses scopes the caller does not hold: an admin cannot mint an owner's powers, nor a key a wider key. */
export function requireWithinCaller(identity: Identity, scopes: readonly string[]): void {
  const beyond = scopes.filter((scope) => !identity.scopes.includes(scope));
  if (beyond.length > 0) {
    throw new HttpProblem(
      403,
      'scope-beyond-caller',
      'You cannot grant what you do not hold',
      `A credential gets at most the scopes of whoever makes it; you do not hold ${beyond.join(', ')}.`,
      { scopes: beyond },
    );
  }
}

/**
 * The person a new credential answers to: the signed-in user, or for a credential made by an API
 * key or a machine client, the person that one answers to (null if nobody is known).
 */
export async function personBehind(db: Kysely<IdentityTables>, identity: Identity): Promise<string | null> {
  if (identity.kind === 'user') return identity.subject;
  if (identity.subject.startsWith('api-key:')) {
    const key = await db
      .selectFrom('api_keys')
      .select('created_by')
      .where('id', '=', identity.subject.slice('api-key:'.length))
      .executeTakeFirst();
    return key?.created_by ?? null;
  }
  const client = await db
    .selectFrom('machine_clients')
    .select('held_by')
    .where('id', '=', identity.subject)
    .executeTakeFirst();
  return client?.held_by ?? null;
}
