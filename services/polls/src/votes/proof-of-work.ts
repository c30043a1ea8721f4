// Proof of work: a check that asks nothing of a person, only of their device. GET …/challenge
// answers `pw1.<expires>.<difficulty>.<random>.<tag>` (the tag an HMAC over the poll and the
// rest, so the server keeps no state); the client finds a nonce where SHA-256 of
// `<challenge>:<Voter-Token>:<nonce>` starts with `difficulty` zero bits and sends
// `<challenge>:<nonce>` in the Proof-Of-Work header. Binding the Voter-Token into the hash makes
// every voter identity cost its own work (a solution cannot be reused for another token); a
// challenge expires after 10 minutes, so work cannot be banked far ahead. Checking is one HMAC
// and one SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import { HttpProblem, hmacTag, tagsMatch } from '@canvass/service-kit';

export const CHALLENGE_TTL_SECONDS = 600;

const tagOf = (secret: string, pollId: string, body: string) =>
  hmacTag(secret, ['proof-of-work', pollId, body], 22);

export function issueChallenge(
  secret: string,
  pollId: string,
  difficulty: number,
  now = Date.now(),
): { challenge: string; difficulty: number; expiresAt: string } {
  const expires = Math.floor(now / 1000) + CHALLENGE_TTL_SECONDS;
  const body = `pw1.${expires.toString(36)}.${difficulty}.${randomBytes(12).toString('base64url')}`;
  return {
    challenge: `${body}.${tagOf(secret, pollId, body)}`,
    difficulty,
    expiresAt: new Date(expires * 1000).toISOString(),
  };
}

/** Leading zero bits of a digest. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

const invalid = (detail: string) =>
  new HttpProblem(403, 'proof-of-work-invalid', 'Proof of work not valid', detail, {
    errors: [{ in: 'headers', field: 'proof-of-work', message: detail }],
  });

/**
 * Refuses (403) a vote whose Proof-Of-Work header does not solve an unexpired challenge of this
 * poll, at least as hard as the poll asks now, for this voter token.
 */
export function checkProofOfWork(
  secret: string,
  pollId: string,
  required: number,
  voterToken: string,
  header: string | undefined,
  now = Date.now(),
): void {
  if (header === undefined) {
    throw new HttpProblem(
      403,
      'proof-of-work-required',
      'Proof of work needed',
      `This poll asks each vote for a proof of work (${required} bits): get a challenge from GET /api/v1/polls/{pollId}/challenge, solve it and send it in the Proof-Of-Work header.`,
      { errors: [{ in: 'headers', field: 'proof-of-work', message: 'is required' }] },
    );
  }
  const cut = header.lastIndexOf(':');
  const challenge = header.slice(0, cut);
  const nonce = header.slice(cut + 1);
  const parts = challenge.split('.');
  if (cut < 0 || parts.length !== 5 || parts[0] !== 'pw1' || !/^\d{1,16}$/.test(nonce))
    throw invalid('Send `<challenge>:<nonce>`, the nonce in decimal digits.');
  const [, stamp, difficultyText, , tag] = parts as [string, string, string, string, string];
  const body = parts.slice(0, 4).join('.');
  if (!tagsMatch(tagOf(secret, pollId, body), tag))
    throw invalid('The challenge was not issued for this poll.');
  if (Number.parseInt(stamp, 36) * 1000 <= now) throw invalid('The challenge has expired; get a new one.');
  const difficulty = Number(difficultyText);
  if (!(difficulty >= required))
    throw invalid(`The poll now asks for ${required} bits; get a new challenge.`);
  const digest = createHash('sha256').update(`${challenge}:${voterToken}:${nonce}`).digest();
  if (leadingZeroBits(digest) < difficulty)
    throw invalid(`The hash does not start with ${difficulty} zero bits for this Voter-Token.`);
}
