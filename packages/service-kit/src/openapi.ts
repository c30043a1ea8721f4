// Every Canvass HTTP process describes its public routes (/api/…) in an OpenAPI 3.1 document that
// @fastify/swagger builds from the routes' own TypeBox schemas, and serves it at GET /openapi.json
// (internal: the gateway merges them into /api/openapi.json). Operator, health, internal and OIDC
// routes stay out of it, and so does any route without tags: documenting a route is tagging it.
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import Type, { type TSchema } from 'typebox';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';

export interface ApiTag {
  name: string;
  description: string;
}

export interface SecurityScheme {
  type: 'http' | 'apiKey';
  description: string;
  scheme?: string;
  in?: 'header' | 'query';
  name?: string;
}

/** Who may call a route: any one of these sets of credentials (`{}`: none needed). */
export type SecurityRequirements = readonly Readonly<Record<string, readonly string[]>>[];

export interface OpenApiOptions {
  /** What the service's tags are about. */
  tags?: readonly ApiTag[];
  /** Credentials its routes take besides `bearer` (named in the routes' `security`). */
  securitySchemes?: Readonly<Record<string, SecurityScheme>>;
}

/** RFC 9457 problem details, as `sendProblem` writes them. */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'A stable identifier of the kind of problem: `/problems/<slug>`.' }),
    title: Type.String({ description: 'What went wrong, in a few words.' }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.Optional(Type.String({ description: 'What went wrong this time, and what to do.' })),
    instance: Type.Optional(Type.String({ description: 'The request path.' })),
    requestId: Type.Optional(Type.String({ description: 'Quote it when asking for help.' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.String({ description: 'body, querystring, params or headers.' }),
          field: Type.String({ description: 'JSON pointer to the field.' }),
          message: Type.String(),
        }),
        { description: 'Every field that is wrong.' },
      ),
    ),
  },
  { $id: 'Problem', description: 'An error (RFC 9457 problem details, `application/problem+json`).' },
);

export const bearerScheme: SecurityScheme = {
  type: 'http',
  scheme: 'bearer',
  description:
    'An API key (`cvk_…`) or an OAuth2 access token from `/oidc`. The gateway checks it; the services see who is calling, never the token.',
};

const PROBLEM_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request is not valid: `errors` names each field.',
  401: 'Credentials are needed, or the ones given are not valid.',
  403: 'These credentials may not do this.',
  404: 'Not found.',
  406: 'Cannot answer in a form the client accepts.',
  409: 'Conflicts with the current state.',
  422: 'Well formed, but not possible here: `errors` names the field.',
  429: 'Too many requests: wait for `Retry-After` seconds.',
  503: 'Not available right now: retry.',
};

/** Responses that are problem+json: a status, or a status with what it means for this route. */
export function problemResponses(...statuses: (number | readonly [number, string])[]) {
  return Object.fromEntries(
    statuses.map((entry) => {
      const [status, description] = typeof entry === 'number' ? [entry, PROBLEM_DESCRIPTIONS[entry]] : entry;
      return [
        status,
        {
          description: description ?? 'An error.',
          content: { [PROBLEM_CONTENT_TYPE]: { schema: Type.Ref('Problem') } },
        },
      ];
    }),
  );
}

export const jsonResponse = (description: string, schema: TSchema) => ({
  description,
  content: { 'application/json': { schema } },
});

/** 204 and the like: a response without a body. */
export const emptyResponse = (description: string) => ({ description, type: 'null' as const });

export interface RegisteredRoute {
  method: string;
  url: string;
}
const registered = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every method and URL the app serves (HEAD included), as declared. */
export const routesOf = (app: FastifyInstance): readonly RegisteredRoute[] => registered.get(app) ?? [];

/**
 * Installs the generator and GET /openapi.json. Installed at once rather than registered: a
 * registered plugin loads only when the app starts, and would miss every route declared before
 * that (the gateway declares its own right after building the app).
 */
export function installOpenApi(app: FastifyInstance, name: string, options: OpenApiOptions = {}): void {
  app.addSchema(Problem);
  const routes: RegisteredRoute[] = [];
  registered.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  const plugin = fastifySwagger as unknown as (
    app: FastifyInstance,
    options: Parameters<typeof fastifySwagger>[1],
    done: (error?: Error) => void,
  ) => void;
  plugin(
    app,
    {
      openapi: {
        openapi: '3.1.0',
        info: { title: `Canvass ${name}`, version: '1' },
        tags: (options.tags ?? []).map((tag) => ({ ...tag })),
        components: {
          securitySchemes: { bearer: bearerScheme, ...options.securitySchemes } as never,
        },
      },
      hideUntagged: true,
      // OpenAPI 3.1 schemas are JSON Schema 2020-12, which has `const`.
      convertConstToEnum: false,
      // Shared schemas keep their names (`Problem`) instead of `def-0`.
      refResolver: { buildLocalReference: (json, _uri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      transform: ({ schema, url }) => ({
        schema: url.startsWith('/api/') ? schema : { ...schema, hide: true },
        url,
      }),
    },
    (error) => {
      if (error) throw error;
    },
  );
  app.get('/openapi.json', { logLevel: 'warn' }, async () => app.swagger());
}
