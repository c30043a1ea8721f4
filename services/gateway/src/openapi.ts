// GET /api/openapi.json: the public API as one OpenAPI 3.1 document, merged from the gateway's
// own routes and each service's GET /openapi.json (fetched through the same upstreams as every
// request), keeping only what the gateway routes to that service. /api/docs shows it (api-reference.ts).
// A service's document is kept once fetched (it changes only with a deploy); a failed fetch is
// tried again on the next request.
import {
  HttpProblem,
  jsonResponse,
  type OpenApiOptions,
  PROBLEM_CONTENT_TYPE,
  problemResponses,
} from '@canvass/service-kit';
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import { apiReference } from './api-reference.ts';
import { liveSecuritySchemes } from './live-docs.ts';
import { mergeDocuments, type OpenApiDocument, ownRules, type ServiceDocument } from './openapi-merge.ts';
import { publicRoutes } from './routes.ts';
import type { ForwardResponse, Upstream } from './upstream.ts';

const DESCRIPTION = `The public API of Canvass, live polls and feedback. Every call goes through this gateway.

**Credentials.** Send \`Authorization: Bearer <token>\`: an API key (\`cvk_…\`), or an OAuth2 access token from the OpenID Connect provider at \`/oidc\` (discovery: \`/oidc/.well-known/openid-configuration\`; authorization code with PKCE for apps, client credentials for machines). A guest poll is managed with the \`Manage-Token\` it was created with; a voter is named by the \`Voter-Token\` header, a random token the client keeps.

**Errors** are \`application/problem+json\` (RFC 9457). Besides the answers each operation lists, any call may answer 413 (body too large), 415 (content type not accepted) or 500; calls the gateway forwards may also answer 429 (rate limited: see \`Retry-After\` and \`RateLimit\`) and 502, 503 or 504 when the service behind is unreachable, failing or slow.`;

/** What the gateway itself can answer for any operation it forwards, whatever the service says. */
const GATEWAY_PROBLEMS = Object.fromEntries(
  [
    [401, 'The bearer token or API key is not valid.'],
    [403, 'The access token is bound to no workspace, or these credentials may not do this.'],
    [429, 'Too many requests: wait for `Retry-After` seconds.'],
    [502, 'The service behind cannot be reached.'],
    [503, 'The service behind is failing or busy: retry after `Retry-After` seconds.'],
    [504, 'The service behind did not answer in time.'],
  ].map(([status, description]) => [
    status,
    {
      description,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
    },
  ]),
);

const DOCUMENTATION = 'Documentation';
/** The gateway's own routes: the tags and credentials they use. */
export const gatewayOpenApi: OpenApiOptions = {
  tags: [
    { name: 'Live', description: 'Results as they change, over WebSocket or Server-Sent Events.' },
    { name: DOCUMENTATION, description: 'This description of the API.' },
  ],
  securitySchemes: liveSecuritySchemes,
};
const DocumentShape = Type.Object(
  { openapi: Type.String(), info: Type.Object({ title: Type.String(), version: Type.String() }) },
  { description: 'An OpenAPI 3.1 document.' },
);
const UNAVAILABLE: [number, string] = [503, 'A service’s description cannot be fetched now: retry.'];

async function bodyText(body: ForwardResponse['body']): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  let text = '';
  for await (const chunk of body) text += chunk.toString();
  return text;
}

/** Adds the gateway's own answers to what every forwarded operation documents. */
function withGatewayProblems(document: OpenApiDocument): OpenApiDocument {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item)) {
      if (operation.tags?.includes(DOCUMENTATION)) continue;
      operation.responses = { ...GATEWAY_PROBLEMS, ...operation.responses };
    }
  }
  return document;
}

export function openApiRoutes(app: FastifyInstance, upstreams: Readonly<Record<string, Upstream>>): void {
  const fetched = new Map<string, OpenApiDocument>();
  let merged: OpenApiDocument | undefined;

  async function serviceDocument(name: string, upstream: Upstream): Promise<OpenApiDocument> {
    const cached = fetched.get(name);
    if (cached) return cached;
    const response = await upstream.forward({
      method: 'GET',
      url: '/openapi.json',
      headers: { accept: 'application/json' },
    });
    const text = await bodyText(response.body);
    if (response.status !== 200) throw new Error(`${name} answered ${response.status}`);
    const document = JSON.parse(text) as OpenApiDocument;
    fetched.set(name, document);
    return document;
  }

  async function publicDocument(): Promise<OpenApiDocument> {
    if (merged) return merged;
    const own = structuredClone(app.swagger()) as unknown as OpenApiDocument;
    const names = Object.keys(upstreams);
    const results = await Promise.allSettled(names.map((name) => serviceDocument(name, upstreams[name]!)));
    const missing = names.filter((_name, index) => results[index]!.status === 'rejected');
    if (missing.length > 0) {
      const reasons = results.flatMap((result) =>
        result.status === 'rejected' ? [String(result.reason)] : [],
      );
      app.log.warn({ missing, reasons }, 'cannot fetch the OpenAPI documents of every service');
      throw new HttpProblem(
        503,
        'api-description-unavailable',
        'The API description is not available now',
        `The description of ${missing.join(', ')} cannot be fetched; try again shortly.`,
        { retryAfter: 5 },
      );
    }
    const parts: ServiceDocument[] = names.map((service) => ({ service, document: fetched.get(service)! }));
    parts.push({ service: 'gateway', document: own });
    const base = {
      openapi: '3.1.0',
      info: { title: 'Canvass API', version: '1', description: DESCRIPTION },
    };
    merged = withGatewayProblems(mergeDocuments(base, parts, [...ownRules('gateway', own), ...publicRoutes]));
    return merged;
  }

  app.get(
    '/api/openapi.json',
    {
      schema: {
        tags: [DOCUMENTATION],
        summary: 'This API as OpenAPI 3.1',
        response: { 200: jsonResponse('The document.', DocumentShape), ...problemResponses(UNAVAILABLE) },
      },
    },
    async () => publicDocument(),
  );

  apiReference(app);
}
