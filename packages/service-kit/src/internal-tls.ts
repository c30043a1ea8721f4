// Mutual TLS between the cluster tier's processes. A service serves HTTPS and asks every client
// for a certificate from the internal CA (tools/launcher/src/pki.ts); the certificate's CN names
// the peer (gateway, polls, analytics, identity, realtime). Each route names the peers it serves
// (route option `config.peers`, default the gateway); /healthz and /readyz stay open to probes
// without a certificate. The signed headers (`x-canvass-identity`, `x-canvass-client-address`)
// are taken only from peers that front clients, so a header copied by another peer is refused
// even though its signature holds. The files are read again when they change (checked every
// minute, and on SIGHUP): servers swap their secure context, clients build new connectors.
import { readFileSync, statSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problem.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Peers (certificate CNs) this route serves: default the gateway; 'any' any Canvass peer. */
    peers?: readonly string[] | 'any';
  }
}

export interface InternalTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface InternalTls {
  readonly files: InternalTlsFiles;
  /** The files as last read. */
  current(): TlsMaterial;
  /** Called after the files changed and were read again. */
  onChange(listener: (material: TlsMaterial) => void): void;
  /** Reads the files again when their mtime changed; true when they did. */
  reload(): boolean;
  /** Stops watching. */
  close(): void;
}

/** Routes open without a certificate: probes and the launcher's readiness checks. */
const OPEN_ROUTES = new Set(['/healthz', '/readyz']);
const DEFAULT_PEERS: readonly string[] = ['gateway'];
/** Peers that front clients, so may forward who the client is. */
export const IDENTITY_SENDERS: readonly string[] = ['gateway', 'realtime'];
const SIGNED_HEADERS = ['x-canvass-identity', 'x-canvass-client-address'] as const;

const mtimes = (files: InternalTlsFiles) =>
  [files.ca, files.cert, files.key].map((file) => statSync(file).mtimeMs).join(',');
const read = (files: InternalTlsFiles): TlsMaterial => ({
  ca: readFileSync(files.ca),
  cert: readFileSync(files.cert),
  key: readFileSync(files.key),
});

/** Reads the files now and watches them (every `checkEveryMs`, default a minute, and on SIGHUP). */
export function loadInternalTls(
  files: InternalTlsFiles,
  options: { checkEveryMs?: number; onError?: (error: unknown) => void } = {},
): InternalTls {
  let material = read(files);
  let seen = mtimes(files);
  const listeners: Array<(material: TlsMaterial) => void> = [];
  const reload = () => {
    try {
      const now = mtimes(files);
      if (now === seen) return false;
      const next = read(files);
      for (const listener of listeners) listener(next);
      // Only once every listener took it: a half-replaced pair (new key, old certificate) throws
      // in setSecureContext and is tried again at the next check.
      material = next;
      seen = now;
      return true;
    } catch (error) {
      options.onError?.(error);
      return false;
    }
  };
  const timer = setInterval(reload, options.checkEveryMs ?? 60_000).unref();
  const onHangup = () => void reload();
  process.on('SIGHUP', onHangup);
  return {
    files,
    current: () => material,
    onChange: (listener) => void listeners.push(listener),
    reload,
    close() {
      clearInterval(timer);
      process.off('SIGHUP', onHangup);
    },
  };
}

/** The process's TLS files from its config: all three, or none (TLS off). */
export function internalTlsFromConfig(
  config: { CANVASS_TLS_CA?: string; CANVASS_TLS_CERT?: string; CANVASS_TLS_KEY?: string },
  onError?: (error: unknown) => void,
): InternalTls | undefined {
  const { CANVASS_TLS_CA: ca, CANVASS_TLS_CERT: cert, CANVASS_TLS_KEY: key } = config;
  if (!ca && !cert && !key) return undefined;
  if (!ca || !cert || !key) {
    throw new Error(
      'CANVASS_TLS_CA, CANVASS_TLS_CERT and CANVASS_TLS_KEY go together: set all three or none',
    );
  }
  return loadInternalTls({ ca, cert, key }, onError ? { onError } : {});
}

/** Options for node's https server: ask for a client certificate, judge it per route. */
export function tlsServerOptions(tls: InternalTls): ServerOptions {
  return {
    ...tls.current(),
    requestCert: true,
    // The handshake succeeds without a valid certificate so that probes reach /healthz and
    // /readyz; every other route refuses such a peer with a problem+json answer.
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
  };
}

const peers = new WeakMap<object, string | null>();

/** The peer's name (its certificate's CN) when it presented a certificate the CA signed. */
export function peerOf(socket: TLSSocket): string | undefined {
  let peer = peers.get(socket);
  if (peer === undefined) {
    const cn = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
    peer = typeof cn === 'string' ? cn : null;
    peers.set(socket, peer);
  }
  return peer ?? undefined;
}

/** Serves HTTPS with the files' current material and refuses peers a route does not serve. */
export function installPeerCheck(app: FastifyInstance, tls: InternalTls, service: string): void {
  tls.onChange((material) =>
    (app.server as unknown as { setSecureContext(o: TlsMaterial): void }).setSecureContext(material),
  );
  app.addHook('onClose', async () => tls.close());
  app.addHook('onRequest', (request, reply, done) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? '')) return done();
    const peer = peerOf(request.raw.socket as TLSSocket);
    if (!peer) {
      sendProblem(request, reply, {
        status: 403,
        type: 'peer-certificate-required',
        title: 'A peer certificate is required',
        detail: `${service} serves only Canvass services that present a certificate from the internal CA.`,
      });
      return;
    }
    if (!IDENTITY_SENDERS.includes(peer) && SIGNED_HEADERS.some((name) => name in request.headers)) {
      sendProblem(request, reply, {
        status: 403,
        type: 'identity-not-from-peer',
        title: 'This peer may not forward an identity',
        detail: `${peer} may not send x-canvass-identity or x-canvass-client-address; only ${IDENTITY_SENDERS.join(' and ')} forward who the client is.`,
        peer,
      });
      return;
    }
    const allowed = request.routeOptions.config?.peers ?? DEFAULT_PEERS;
    if (allowed !== 'any' && !allowed.includes(peer)) {
      sendProblem(request, reply, {
        status: 403,
        type: 'peer-not-allowed',
        title: 'This peer may not call this route',
        detail: `${service} serves this route to ${allowed.join(', ')}, not to ${peer}.`,
        peer,
      });
      return;
    }
    done();
  });
}
