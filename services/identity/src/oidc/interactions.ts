// Routes behind the provider's prompts: sign-in (rate limited per client address and per account,
// with one message for every failure so nobody learns which addresses have accounts) and consent,
// which only other clients are asked for: Canvass's own web app is granted what it asks at once.
// Also where the provider is mounted: it sees the client address the gateway signed and the
// public URL, never a Host or X-Forwarded-* header a caller wrote.
import { checkParsedBody, clientAddressOf } from '@canvass/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type Provider from 'oidc-provider';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { authenticate } from '../accounts/authenticate.ts';
import { consumeOrThrow, type Limiters } from '../limits.ts';
import type { IdentityTables } from '../tables.ts';
import { consentPage, loginPage } from './pages.ts';
import { WEB_CLIENT_ID } from './provider.ts';

/** What the provider's routes need to know about the world outside identity. */
export interface ProviderEdge {
  /** Where clients reach Canvass: the only source of the provider's own URLs. */
  publicUrl: string;
  /** Checks the client address the gateway signs. */
  internalSecret: string | undefined;
  limiters: Limiters;
}

/**
 * The provider (koa, `proxy` on) builds its URLs and cookies from X-Forwarded-Proto and -Host and
 * reads the client from X-Forwarded-For: they are overwritten from the public URL and the client
 * address the gateway signed before any request reaches it, so discovery never echoes a Host a
 * caller sent. Returns the client's address.
 */
function presentToProvider(request: FastifyRequest, edge: ProviderEdge): string {
  const publicUrl = new URL(edge.publicUrl);
  const client = clientAddressOf(request, edge.internalSecret);
  const headers = request.raw.headers;
  headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
  headers['x-forwarded-host'] = publicUrl.host;
  headers['x-forwarded-for'] = client;
  return client;
}

export function interactionRoutes(
  app: FastifyInstance,
  getProvider: () => Promise<Provider>,
  db: Kysely<IdentityTables>,
  edge: ProviderEdge,
): void {
  const perIp = edge.limiters.signInPerIp;
  const perAccount = edge.limiters.signInPerAccount;
  app.addHook('onRequest', async (request) => {
    presentToProvider(request, edge);
  });

  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const fields = Object.fromEntries(new URLSearchParams(String(body)));
      try {
        checkParsedBody(fields); // a NUL would otherwise reach PostgreSQL as a 500
        done(null, fields);
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  app.get<{ Params: { uid: string } }>('/interaction/:uid', async (request, reply) => {
    const provider = await getProvider();
    const details = await provider.interactionDetails(request.raw, reply.raw);
    // Canvass's own web app asks nobody's permission to be Canvass: signed in, the user goes on.
    if (details.prompt.name === 'consent' && details.params.client_id === WEB_CLIENT_ID) {
      return reply.redirect(await grantConsent(provider, request, reply, details), 303);
    }
    reply.type('text/html; charset=utf-8');
    if (details.prompt.name === 'login') return loginPage(details.uid);
    const scopes = String(details.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    return consentPage(details.uid, String(details.params.client_id), scopes);
  });

  app.post<{ Params: { uid: string }; Body: { email?: string; password?: string } }>(
    '/interaction/:uid/login',
    async (request, reply) => {
      const provider = await getProvider();
      const details = await provider.interactionDetails(request.raw, reply.raw);
      const email = String(request.body?.email ?? '')
        .trim()
        .toLowerCase();
      const password = String(request.body?.password ?? '');
      reply.type('text/html; charset=utf-8');
      try {
        await perIp.consume(clientAddressOf(request, edge.internalSecret));
        await perAccount.consume(email || '-');
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        const seconds = Math.ceil(error.msBeforeNext / 1000);
        return reply
          .code(429)
          .header('retry-after', String(seconds))
          .send(
            loginPage(details.uid, { email, error: `Too many attempts. Try again in ${seconds} seconds.` }),
          );
      }
      const result = await authenticate(db, email, password);
      if (!result.ok) {
        const message =
          result.reason === 'unverified'
            ? 'Confirm your e-mail address first: we sent you a link when you signed up.'
            : 'That e-mail and password do not match an account.';
        return reply.code(401).send(loginPage(details.uid, { email, error: message }));
      }
      await perAccount.delete(email);
      const url = await provider.interactionResult(
        request.raw,
        reply.raw,
        { login: { accountId: result.userId } },
        { mergeWithLastSubmission: false },
      );
      return reply.redirect(url, 303);
    },
  );

  app.post<{ Params: { uid: string } }>('/interaction/:uid/confirm', async (request, reply) => {
    const provider = await getProvider();
    const details = await provider.interactionDetails(request.raw, reply.raw);
    return reply.redirect(await grantConsent(provider, request, reply, details), 303);
  });

  app.post<{ Params: { uid: string } }>('/interaction/:uid/abort', async (request, reply) => {
    const provider = await getProvider();
    const url = await provider.interactionResult(request.raw, reply.raw, {
      error: 'access_denied',
      error_description: 'You did not allow access.',
    });
    return reply.redirect(url, 303);
  });
}

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * Grants what the consent prompt found missing (OpenID scopes, claims, API scopes), to the
 * grant the request already has or a new one, and finishes the interaction: answers where the
 * browser goes next. The consent page's Allow and the web app's automatic consent both end here.
 */
async function grantConsent(
  provider: Provider,
  request: FastifyRequest,
  reply: FastifyReply,
  details: InteractionDetails,
): Promise<string> {
  const accountId = details.session?.accountId;
  const clientId = String(details.params.client_id);
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: accountId ?? '', clientId });
  if (!grant) throw new Error('grant not found');
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  return provider.interactionResult(request.raw, reply.raw, {
    consent: details.grantId ? {} : { grantId },
  });
}

// provider.callback() composes the whole middleware stack: once per provider, not per request.
const handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();
function handlerFor(provider: Provider): ReturnType<Provider['callback']> {
  let handler = handlers.get(provider);
  if (!handler) {
    handler = provider.callback();
    handlers.set(provider, handler);
  }
  return handler;
}

/** Serves the provider at /oidc inside fastify (it parses its own request bodies). */
export async function mountProvider(
  app: FastifyInstance,
  getProvider: () => Promise<Provider>,
  edge: ProviderEdge,
): Promise<void> {
  await app.register(
    async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      scope.addHook('onRequest', async (request, reply) => {
        const client = presentToProvider(request, edge);
        if (request.url.startsWith('/oidc/token'))
          await consumeOrThrow(edge.limiters.tokenPerIp, client, reply);
      });
      const handler = (
        request: FastifyRequest,
        reply: { hijack(): void; raw: import('node:http').ServerResponse },
      ) => {
        reply.hijack();
        const raw = request.raw as import('node:http').IncomingMessage & { originalUrl?: string };
        raw.originalUrl = raw.url;
        raw.url = raw.url?.slice('/oidc'.length) || '/';
        getProvider().then(
          (provider) => handlerFor(provider)(raw, reply.raw),
          () => {
            reply.raw.statusCode = 503;
            reply.raw.setHeader('content-type', 'application/problem+json');
            reply.raw.end(
              JSON.stringify({ status: 503, type: '/problems/not-ready', title: 'Sign-in is starting up' }),
            );
          },
        );
      };
      scope.all('/', handler);
      scope.all('/*', handler);
    },
    { prefix: '/oidc' },
  );
}
