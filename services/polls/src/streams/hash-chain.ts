// The hash chain of a poll stream: each event's hash is sha-256 over the previous hash, its
// version and its canonical JSON (keys sorted, so storage that reorders keys changes nothing).
import { createHash } from 'node:crypto';
import { canonicalJson } from '@canvass/contracts/canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

export function chainHash(previousHash: string, version: number, event: unknown): string {
  return createHash('sha256')
    .update(`${previousHash}\n${version}\n${canonicalJson(event)}`)
    .digest('hex');
}

export interface ChainLink {
  version: number;
  event: unknown;
  prevHash: string;
  hash: string;
}

export type ChainVerdict =
  | { ok: true; version: number; headHash: string }
  | { ok: false; version: number; brokenAt: number; reason: string };

/** Walks a stream from its first event and says where, if anywhere, the chain breaks. */
export function verifyChain(links: readonly ChainLink[]): ChainVerdict {
  let previous = GENESIS_HASH;
  for (const [index, link] of links.entries()) {
    const expectedVersion = index + 1;
    if (link.version !== expectedVersion) {
      return {
        ok: false,
        version: links.length,
        brokenAt: expectedVersion,
        reason: `version ${expectedVersion} is missing`,
      };
    }
    if (link.prevHash !== previous) {
      return {
        ok: false,
        version: links.length,
        brokenAt: link.version,
        reason: 'its previous hash does not match the event before it',
      };
    }
    if (chainHash(previous, link.version, link.event) !== link.hash) {
      return {
        ok: false,
        version: links.length,
        brokenAt: link.version,
        reason: 'its content does not match its hash (altered)',
      };
    }
    previous = link.hash;
  }
  return { ok: true, version: links.length, headHash: previous };
}
