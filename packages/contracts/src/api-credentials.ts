// Credentials a workspace hands out, as the API shows them: API keys and machine clients (OAuth2
// client credentials). Also the credentials a client presents besides a bearer token, as OpenAPI
// security schemes: the services that accept them name them in their routes' `security`.
import Type, { type Static } from 'typebox';

export const ApiCredentials = {
  manageToken: {
    type: 'apiKey',
    in: 'header',
    name: 'Manage-Token',
    description: 'The secret handed out once when a guest poll is created: lets its holder manage the poll.',
  },
  voteReceipt: {
    type: 'apiKey',
    in: 'header',
    name: 'Vote-Receipt',
    description: 'The receipt id a vote answered with: shows after_vote results to whoever voted.',
  },
} as const;

const When = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const Scopes = Type.Array(Type.String(), {
  description: 'What it may do (`polls:read`, …): never more than the credential that made it held.',
});
const Person = Type.Union([Type.String(), Type.Null()], {
  description:
    'The user answerable for it; it is revoked when they leave the workspace. Null for credentials older than this rule.',
});

/** An API key as listed: never the key itself. */
export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Scopes,
  createdBy: Person,
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: When,
  revokedAt: When,
});
export type ApiKeyView = Static<typeof ApiKeyView>;

/** The answer to creating an API key: the only time the key is shown. */
export const NewApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Scopes,
  key: Type.String({ description: 'Send it as `Authorization: Bearer <key>`. Shown only now.' }),
  note: Type.String(),
});
export type NewApiKey = Static<typeof NewApiKey>;

/** A machine client as listed: never its secret. */
export const MachineClientView = Type.Object({
  clientId: Type.String(),
  name: Type.String(),
  scopes: Scopes,
  heldBy: Type.Union([Type.String(), Type.Null()], {
    description:
      'The user answerable for it: who made it, or who last rotated its secret. It is revoked when they leave the workspace. Null for clients older than this rule.',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  secretRotatedAt: When,
  revokedAt: When,
});
export type MachineClientView = Static<typeof MachineClientView>;

/** The answer to registering a machine client, or to rotating its secret: the secret, once. */
export const MachineClientSecret = Type.Object({
  clientId: Type.String(),
  clientSecret: Type.String({ description: 'Shown only now.' }),
  name: Type.String(),
  scopes: Scopes,
  tokenEndpoint: Type.String({ description: 'Where the client credentials grant gets tokens.' }),
  note: Type.String(),
});
export type MachineClientSecret = Static<typeof MachineClientSecret>;
