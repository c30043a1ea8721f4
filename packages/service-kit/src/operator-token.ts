// The operator token (CANVASS_ADMIN_TOKEN) guards /admin/v1 and, at the edge, /metrics and the
// details of /readyz. Compared in constant time (over digests, so lengths do not leak either).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether a request bears the operator token; always false when there is none. */
export function operatorCheck(token: string | undefined): (request: FastifyRequest) => boolean {
  const expected = token ? digest(token) : undefined;
  return (request) => {
    if (!expected) return false;
    const header = request.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    return timingSafeEqual(digest(given), expected);
  };
}

/**
 * An onRequest hook that lets only requests bearing the operator token through. It runs before
 * the body is read: a refused request's body (operator routes take up to 32 MB) is answered at
 * once and never buffered or parsed (node discards what still arrives).
 */
export function requireAdminToken(token: string | undefined) {
  const isOperator = operatorCheck(token);
  return async (request: FastifyRequest) => {
    if (isOperator(request)) return;
    if (!token) {
      throw new HttpProblem(
        403,
        'admin-disabled',
        'The operator API is disabled',
        'Set CANVASS_ADMIN_TOKEN to enable it.',
      );
    }
    throw new HttpProblem(
      401,
      'unauthorized',
      'Operator token required',
      'Send Authorization: Bearer <operator token>.',
    );
  };
}
