// Request targets that routing could read one way and a later hop another are refused before any
// handler runs: dot-segments (`/a/../b`, also `%2e%2e`), encoded slashes and backslashes (`%2f`,
// `%5c`, `\`), NUL (`%00`) and malformed percent-encoding. Routes are matched on the raw path
// while a later hop may resolve it (WHATWG URL parsing resolves dot-segments and reads `\` as `/`),
// so `/api/v1/polls/x/../<id>/votes` would pass a rule meant for another path. Nothing Canvass
// serves needs any of these, so refusing is simpler and safer than normalising.
import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problem.ts';

const ENCODED_SEPARATOR_OR_NUL = /%(?:2f|5c|00)/i;

/** Why a request target (path and query) is refused, or undefined when it is fine. */
export function unsafeTargetReason(url: string): string | undefined {
  // The common case costs three scans: no percent sign, no backslash, no segment starting with a dot.
  const percent = url.indexOf('%') !== -1;
  if (!percent && url.indexOf('/.') === -1 && url.indexOf('\\') === -1) return undefined;
  const queryAt = url.indexOf('?');
  let path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path.indexOf('\\') !== -1) return 'a backslash';
  if (percent) {
    if (ENCODED_SEPARATOR_OR_NUL.test(path)) return 'an encoded slash, backslash or NUL (%2f, %5c, %00)';
    if (queryAt !== -1 && url.indexOf('%00', queryAt) !== -1) return 'an encoded NUL (%00)';
    try {
      // Also refuses percent-encoded bytes that are not UTF-8 (lone surrogates among them).
      decodeURIComponent(url);
      if (path.indexOf('%') !== -1) path = decodeURIComponent(path);
    } catch {
      return 'malformed percent-encoding';
    }
  }
  for (const segment of path.split('/')) {
    if (segment === '.' || segment === '..') return 'a dot-segment (. or ..)';
  }
  return undefined;
}

/** Installs the check as the first onRequest hook: a refused request reaches no handler. */
export function refuseUnsafeTargets(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request.
  app.addHook('onRequest', (request, reply, done) => {
    const reason = unsafeTargetReason(request.url);
    if (reason === undefined) return done();
    sendProblem(request, reply, {
      status: 400,
      type: 'invalid-path',
      title: 'The request path is not valid',
      detail: `The path contains ${reason}. Send the plain path: no dot-segments, encoded slashes or backslashes, no NUL.`,
    });
  });
}
