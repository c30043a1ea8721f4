// What this browser remembers: one voter token, and per poll its manage token, vote receipt and
// access code. localStorage can be unavailable (private modes, blocked storage, some third-party
// iframes): then nothing is remembered and the pages still work for the visit.

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Remembering is a convenience; voting works without it.
  }
}

function forget(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch {
    // Nothing was remembered.
  }
}

let sessionVoterToken: string | undefined;

/** The anonymous voter this browser is (`Voter-Token`): random, made once, kept. */
export function voterToken(): string {
  const kept = read('canvass.voterToken');
  if (kept) return kept;
  sessionVoterToken ??= crypto.randomUUID();
  write('canvass.voterToken', sessionVoterToken);
  return sessionVoterToken;
}

export const manageToken = (pollId: string) => read(`canvass.manageToken.${pollId}`);
export const keepManageToken = (pollId: string, token: string) =>
  write(`canvass.manageToken.${pollId}`, token);

export const voteReceipt = (pollId: string) => read(`canvass.receipt.${pollId}`);
export const keepVoteReceipt = (pollId: string, receiptId: string) =>
  write(`canvass.receipt.${pollId}`, receiptId);
export const forgetVoteReceipt = (pollId: string) => forget(`canvass.receipt.${pollId}`);

/** The code of an access_code poll, kept so the voter can change or withdraw their vote later. */
export const accessCode = (pollId: string) => read(`canvass.accessCode.${pollId}`);
export const keepAccessCode = (pollId: string, code: string) => write(`canvass.accessCode.${pollId}`, code);
export const forgetAccessCode = (pollId: string) => forget(`canvass.accessCode.${pollId}`);

/**
 * The signed-in user's API access token, when the organizer side's session (`canvass.session`)
 * holds one that has not run out: signed_in polls take votes with it. Read here without importing
 * the organizer code, so the voter page stays small.
 */
export function signedInToken(): string | null {
  try {
    const session = JSON.parse(read('canvass.session') ?? 'null') as {
      accessToken?: unknown;
      expiresAt?: unknown;
    } | null;
    if (typeof session?.accessToken !== 'string') return null;
    if (typeof session.expiresAt === 'number' && session.expiresAt <= Date.now()) return null;
    return session.accessToken;
  } catch {
    return null;
  }
}
