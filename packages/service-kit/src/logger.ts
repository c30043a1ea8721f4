import { traceLogFields } from '@canvass/telemetry';
import { pino } from 'pino';

export type Logger = pino.Logger;

// Secrets that clients may put in a URL (EventSource and WebSocket cannot send headers: the live
// page passes manageToken and receipt in the query; reset links carry a token). Never logged.
const SECRET_QUERY = /([?&](?:manageToken|receipt|token|access_token|code)=)[^&#]*/gi;
const RECEIPT_PATH = /(\/receipts\/)[^/?#]+/;

/** A request URL as it may be logged: secret query values and receipt ids replaced. */
export function redactUrl(url: string): string {
  if (url.indexOf('?') === -1 && url.indexOf('/receipts/') === -1) return url;
  return url.replace(SECRET_QUERY, '$1[redacted]').replace(RECEIPT_PATH, '$1[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remoteAddress?: string; remotePort?: number };
}

/** fastify's request serializer, with the URL redacted. */
function serializeRequest(request: LoggedRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url ?? ''),
    host: request.host,
    remoteAddress: request.ip ?? request.socket?.remoteAddress,
    remotePort: request.socket?.remotePort,
  };
}

export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    // trace_id and span_id of the active span: a line joins its trace (empty outside any span).
    mixin: traceLogFields,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Given serializers replace pino's defaults: keep its error serializer.
    serializers: { err: pino.stdSerializers.err, req: serializeRequest },
  };
  return destination ? pino(options, destination) : pino(options);
}
