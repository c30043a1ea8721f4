// What a poll's anti-stuffing settings ask of a voting browser, done before the vote without
// asking the voter anything: a device token for this browser's Voter-Token (kept per poll until
// it is about to expire), and a proof of work: SHA-256 (WebCrypto) of
// `<challenge>:<voter token>:<nonce>` over nonces until one starts with the challenge's zero bits.
import { ApiError, callApi, pollPath } from '../api.ts';

export interface ProofNeeds {
  deviceToken: boolean;
  proofOfWork: boolean;
}

const deviceTokens = new Map<string, { token: string; renewAt: number }>();

export const forgetDeviceToken = (pollId: string) => deviceTokens.delete(pollId);

async function deviceToken(pollId: string, voterToken: string): Promise<string> {
  const kept = deviceTokens.get(pollId);
  if (kept && kept.renewAt > Date.now()) return kept.token;
  const grant = await callApi<{ deviceToken: string; expiresAt: string }>(
    'POST',
    `${pollPath(pollId)}/device-token`,
    { headers: { 'voter-token': voterToken } },
  );
  // Renewed a minute early: a token must not run out between here and the vote.
  deviceTokens.set(pollId, { token: grant.deviceToken, renewAt: Date.parse(grant.expiresAt) - 60_000 });
  return grant.deviceToken;
}

function leadingZeroBits(digest: ArrayBuffer): number {
  let bits = 0;
  for (const byte of new Uint8Array(digest)) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/** A nonce solving `challenge` for this voter token: hashed a batch at a time, so the page stays live. */
export async function solveChallenge(
  challenge: string,
  voterToken: string,
  difficulty: number,
): Promise<string> {
  if (difficulty <= 0) return '0';
  if (!globalThis.crypto?.subtle) {
    throw new ApiError(
      0,
      'insecure-context',
      'This poll asks your browser for a quick check that needs a secure (https) connection. Open the poll over https.',
    );
  }
  const encoder = new TextEncoder();
  const prefix = `${challenge}:${voterToken}:`;
  const BATCH = 256;
  for (let start = 0; ; start += BATCH) {
    const digests = await Promise.all(
      Array.from({ length: BATCH }, (_, i) =>
        crypto.subtle.digest('SHA-256', encoder.encode(prefix + (start + i))),
      ),
    );
    const found = digests.findIndex((digest) => leadingZeroBits(digest) >= difficulty);
    if (found >= 0) return String(start + found);
  }
}

/** The headers a vote from `voterToken` needs in this poll: Device-Token and Proof-Of-Work. */
export async function voteProofHeaders(
  pollId: string,
  voterToken: string,
  needs: ProofNeeds,
): Promise<Record<string, string>> {
  const [token, work] = await Promise.all([
    needs.deviceToken ? deviceToken(pollId, voterToken) : undefined,
    needs.proofOfWork
      ? callApi<{ challenge: string; difficulty: number }>('GET', `${pollPath(pollId)}/challenge`).then(
          async ({ challenge, difficulty }) =>
            `${challenge}:${await solveChallenge(challenge, voterToken, difficulty)}`,
        )
      : undefined,
  ]);
  return {
    ...(token ? { 'device-token': token } : {}),
    ...(work ? { 'proof-of-work': work } : {}),
  };
}
