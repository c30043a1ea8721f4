// Serves the built web app (web/dist): hashed assets cached for a year, and index.html (never
// cached) for every other GET that is not the API, sign-in or operations, so client-side routes
// like /p/<pollId> load the app. No dependency: files are streamed with node:fs. Pages may be
// framed by Canvass itself only, except the embeds (/embed/<pollId>), which any site may frame.
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Paths the app must never answer, whatever is (not) registered under them. */
const RESERVED = /^\/(api|interaction|admin|healthz|readyz|metrics|mailbox)(\/|$)|^\/oidc/;

/** App pages made for other sites' iframes: the only ones any site may frame. */
export const EMBEDDABLE = /^\/embed\//;

/** Every other page: framed by Canvass's own pages only (clickjacking). */
// Scripts only from Canvass itself (the build has no inline script): the pages keep a signed-in
// organizer's tokens, so an injected script must have nowhere to come from.
const SCRIPTS = "script-src 'self'; base-uri 'self'; object-src 'none'";
const PAGE_FRAMING = {
  'content-security-policy': `frame-ancestors 'self'; ${SCRIPTS}`,
  'x-frame-options': 'SAMEORIGIN',
};
/** No frame-ancestors at all, so any page may frame it (`*` would still refuse file: and sandboxed hosts). */
const EMBED_FRAMING = { 'content-security-policy': SCRIPTS };

/** Vite puts content-hashed files under /assets/: they never change, so they may be kept forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Whether `root` holds a built app (its index.html). */
export function isWebAppBuilt(root: string): boolean {
  return existsSync(resolve(root, 'index.html'));
}

export function webAppRoutes(app: FastifyInstance, webRoot: string): void {
  const root = resolve(webRoot);

  async function fileAt(path: string): Promise<{ file: string; size: number } | undefined> {
    if (path.includes('\0')) return undefined;
    const file = resolve(root, `.${path}`);
    if (!file.startsWith(root + sep)) return undefined; // ../ and friends
    const info = await stat(file).catch(() => undefined);
    return info?.isFile() ? { file, size: info.size } : undefined;
  }

  /** Which compressed copies the build wrote beside `file` (their sizes), by encoding. */
  const copiesOf = async (file: string) => {
    const [br, gzip] = await Promise.all(
      ['.br', '.gz'].map((suffix) =>
        stat(file + suffix).then(
          (info) => (info.isFile() ? info.size : undefined),
          () => undefined,
        ),
      ),
    );
    return { br, gzip };
  };
  // Content-hashed assets never change: their copies are looked up once, not on every request.
  const assetCopies = new Map<string, ReturnType<typeof copiesOf>>();

  /** The brotli (else gzip) copy of `file` the client accepts, when the build made one. */
  async function precompressed(file: string, immutable: boolean, accepted: string | string[] | undefined) {
    const encodings = String(accepted ?? '');
    const takesBr = /\bbr\b/.test(encodings);
    const takesGzip = /\bgzip\b/.test(encodings);
    if (!takesBr && !takesGzip) return undefined;
    let copies = immutable ? assetCopies.get(file) : undefined;
    if (!copies) {
      copies = copiesOf(file);
      if (immutable) assetCopies.set(file, copies);
    }
    const { br, gzip } = await copies;
    if (takesBr && br !== undefined) return { file: `${file}.br`, size: br, encoding: 'br' };
    if (takesGzip && gzip !== undefined) return { file: `${file}.gz`, size: gzip, encoding: 'gzip' };
    return undefined;
  }

  async function serve(request: FastifyRequest, reply: FastifyReply) {
    const pathname = request.url.split('?')[0]!;
    if (RESERVED.test(pathname)) return reply.callNotFound();
    let path: string;
    try {
      path = decodeURIComponent(pathname);
    } catch {
      return reply.callNotFound();
    }
    const found = path === '/' ? undefined : await fileAt(path);
    if (found) {
      // The build writes brotli and gzip copies of text assets beside them (build-web.ts): a
      // phone fetches a third of the bytes, and no request spends CPU compressing.
      const immutable = path.startsWith('/assets/');
      const packed = await precompressed(found.file, immutable, request.headers['accept-encoding']);
      reply
        .type(CONTENT_TYPES[extname(found.file).toLowerCase()] ?? 'application/octet-stream')
        .header('content-length', packed?.size ?? found.size)
        .header('cache-control', immutable ? IMMUTABLE : 'no-cache');
      if (packed) reply.header('content-encoding', packed.encoding).header('vary', 'accept-encoding');
      return reply.send(createReadStream(packed?.file ?? found.file));
    }
    // A missing asset (under /assets/, or a file type the app ships) is a 404; anything else is a
    // route of the app, dots and all (receipt ids have one: /receipts/<a>.<b>).
    const extension = extname(path).toLowerCase();
    const missingFile = Object.hasOwn(CONTENT_TYPES, extension) && extension !== '.html';
    if (path.startsWith('/assets/') || missingFile) return reply.callNotFound();
    const index = await readFile(resolve(root, 'index.html'));
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .headers(EMBEDDABLE.test(path) ? EMBED_FRAMING : PAGE_FRAMING)
      .send(index);
  }

  app.get('/', serve);
  app.get('/*', serve);
  // Browsers ask for /favicon.ico on pages that name no icon (the API reference, a JSON answer
  // opened in a tab): the app's icon answers, not a 404 in their console.
  app.get('/favicon.ico', (_request, reply) => reply.redirect('/favicon.svg', 301));
}
