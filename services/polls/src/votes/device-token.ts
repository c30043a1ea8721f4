// Device tokens: a voter identity Canvass issued, so a client cannot vote under identities it
// makes up by the thousand. The voting page sends its Voter-Token to POST …/device-token and gets
// `dt1.<expires>.<tag>`, the tag an HMAC (CANVASS_INTERNAL_SECRET) over the poll, the voter's
// hash (the one votes are de-duplicated by) and the expiry. A vote in a poll that asks for device
// tokens must carry one made for its own voter and poll, unexpired: checking is one HMAC, no
// lookup. Each issue is counted per address and poll like a vote (the gateway counts it, the
// poll's votesPerAddress limits judge it), so identities cost a round trip each, within the same
// budget as the votes they could cast.
import { HttpProblem, hmacTag, tagsMatch } from '@canvass/service-kit';

/** How long an issued device token may vote: a voting page asks for one just before voting. */
export const DEVICE_TOKEN_TTL_SECONDS = 3_600;

const tagOf = (secret: string, pollId: string, voterHash: string, expires: string) =>
  hmacTag(secret, ['device-token', pollId, voterHash, expires], 22);

export function issueDeviceToken(
  secret: string,
  pollId: string,
  voterHash: string,
  now = Date.now(),
): { deviceToken: string; expiresAt: string } {
  const expires = Math.floor(now / 1000) + DEVICE_TOKEN_TTL_SECONDS;
  const stamp = expires.toString(36);
  return {
    deviceToken: `dt1.${stamp}.${tagOf(secret, pollId, voterHash, stamp)}`,
    expiresAt: new Date(expires * 1000).toISOString(),
  };
}

/** Whether `token` was issued for this voter in this poll and has not expired. */
export function isDeviceTokenValid(
  secret: string,
  pollId: string,
  voterHash: string,
  token: string,
  now = Date.now(),
): boolean {
  const [version, stamp, tag, extra] = token.split('.');
  if (version !== 'dt1' || !stamp || !tag || extra !== undefined || !/^[0-9a-z]{1,10}$/.test(stamp))
    return false;
  if (Number.parseInt(stamp, 36) * 1000 <= now) return false;
  return tagsMatch(tagOf(secret, pollId, voterHash, stamp), tag);
}

/** Refuses (403) a vote without a valid device token for its voter. */
export function checkDeviceToken(
  secret: string,
  pollId: string,
  voterHash: string,
  token: string | undefined,
): void {
  if (token === undefined) {
    throw new HttpProblem(
      403,
      'device-token-required',
      'Device token needed',
      'This poll takes votes with a device token: get one for your Voter-Token from POST /api/v1/polls/{pollId}/device-token and send it in the Device-Token header.',
      { errors: [{ in: 'headers', field: 'device-token', message: 'is required' }] },
    );
  }
  if (!isDeviceTokenValid(secret, pollId, voterHash, token)) {
    throw new HttpProblem(
      403,
      'device-token-invalid',
      'Device token not valid',
      'The Device-Token was not issued for this Voter-Token and poll, or it has expired; get a new one.',
      { errors: [{ in: 'headers', field: 'device-token', message: 'is not valid for this voter' }] },
    );
  }
}
