// The HTTP server under every Canvass app: how long a client may take, and problem+json for what
// node's parser or the router refuse before fastify has a route (malformed requests, oversized
// headers, timeouts, bad percent-encoding, over-long path parameters), which would otherwise be
// answered raw or as plain JSON.
import type { ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, sendProblem } from './problem.ts';

export interface HttpTimeouts {
  /** The whole request (headers and body) must arrive within this (default 30 s). */
  requestMs: number;
  /** The headers must arrive within this (default 10 s; at most requestMs). */
  headersMs: number;
  /** A connection with nothing sent either way for this long is closed (default 60 s; live streams ping every 15–20 s). */
  idleMs: number;
}

export const defaultHttpTimeouts: HttpTimeouts = { requestMs: 30_000, headersMs: 10_000, idleMs: 60_000 };

/** The fastify server options that apply the timeouts. */
export function timeoutOptions(given: Partial<HttpTimeouts> = {}) {
  const timeouts = { ...defaultHttpTimeouts, ...given };
  const headersMs = Math.min(timeouts.headersMs, timeouts.requestMs);
  // Node checks request and header deadlines on an interval (30 s by default, which would let a
  // slow client stay up to twice as long as allowed).
  const http: ServerOptions = {
    requestTimeout: timeouts.requestMs,
    headersTimeout: headersMs,
    connectionsCheckingInterval: Math.max(100, Math.floor(headersMs / 4)),
  };
  return { requestTimeout: timeouts.requestMs, connectionTimeout: timeouts.idleMs, http };
}

const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'headers-too-large',
    'Request headers too large',
    'The request headers exceed what this server accepts (16 KiB).',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'request-timeout',
    'Request timeout',
    'The request did not arrive in time; send it again, whole.',
  ],
};
const MALFORMED: [number, string, string, string] = [
  400,
  'malformed-request',
  'Malformed request',
  'The request is not valid HTTP/1.1.',
];

/**
 * Answers what node's HTTP parser refuses (the server's 'clientError') with problem+json, as
 * fastify's default handler does with plain JSON, then closes the connection.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  // An answer already under way (an early refusal while the body still arrives): just close.
  if (socket.writable && !response?.headersSent) {
    const [status, type, title, detail] = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ type: `/problems/${type}`, title, status, detail });
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** What the router refuses before a route is found (bad percent-encoding, over-long parameters). */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    sendProblem(request, reply, {
      status: 414,
      type: 'path-parameter-too-long',
      title: 'A path parameter is too long',
      detail: 'Path parameters are at most 100 characters.',
    });
    return;
  }
  sendProblem(request, reply, {
    status: 400,
    type: 'invalid-path',
    title: 'The request path is not valid',
    detail:
      error.code === 'FST_ERR_BAD_URL'
        ? 'The path has malformed percent-encoding.'
        : 'The request could not be routed.',
  });
}
