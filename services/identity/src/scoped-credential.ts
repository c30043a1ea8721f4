import { ALL_SCOPES } from '@canvass/service-kit';
import Type from 'typebox';

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
