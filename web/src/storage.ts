// What this browser remembers: one voter token, per poll its manage token, vote receipt and access
// code, and the organizer side's signed-in session (kept by organizer/auth.ts). localStorage can
// be unavailable (private modes, blocked storage, some third-party iframes): then nothing is
// remembered and the pages still work for the visit.
import { unreachable } from './api.ts';

export function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Remembering is a convenience; voting works without it.
  }
}

export function forget(key: string): void {
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

const MANAGE_PREFIX = 'canvass.manageToken.';
export const manageToken = (pollId: string) => read(`${MANAGE_PREFIX}${pollId}`);
export const keepManageToken = (pollId: string, token: string) => write(`${MANAGE_PREFIX}${pollId}`, token);
export const forgetManageToken = (pollId: string) => forget(`${MANAGE_PREFIX}${pollId}`);

/** The guest polls this browser made (it keeps their manage tokens), by poll id. */
export function keptGuestPolls(): { pollId: string; token: string }[] {
  const kept: { pollId: string; token: string }[] = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith(MANAGE_PREFIX)) continue;
      const token = localStorage.getItem(key);
      if (token) kept.push({ pollId: key.slice(MANAGE_PREFIX.length), token });
    }
  } catch {
    // Storage unavailable: nothing was kept.
  }
  return kept;
}

export const voteReceipt = (pollId: string) => read(`canvass.receipt.${pollId}`);
export const keepVoteReceipt = (pollId: string, receiptId: string) =>
  write(`canvass.receipt.${pollId}`, receiptId);
export const forgetVoteReceipt = (pollId: string) => forget(`canvass.receipt.${pollId}`);

/** The code of an access_code poll, kept so the voter can change or withdraw their vote later. */
export const accessCode = (pollId: string) => read(`canvass.accessCode.${pollId}`);
export const keepAccessCode = (pollId: string, code: string) => write(`canvass.accessCode.${pollId}`, code);
export const forgetAccessCode = (pollId: string) => forget(`canvass.accessCode.${pollId}`);

/** Where the organizer side keeps the signed-in session (organizer/auth.ts). */
export const SESSION_KEY = 'canvass.session';

/** Whether this browser keeps a signed-in session (its access token may be refreshed before use). */
export function hasSession(): boolean {
  try {
    const session = JSON.parse(read(SESSION_KEY) ?? 'null') as { accessToken?: unknown } | null;
    return typeof session?.accessToken === 'string';
  } catch {
    return false;
  }
}

/**
 * The signed-in user's API access token, refreshed when it is about to run out: signed_in polls
 * take votes with it. The sign-in code is fetched for these polls only (its own chunk), so the
 * voter page stays small. Rejects with `signed-out` when there is no session, or it has ended.
 */
export async function signedInToken(): Promise<string> {
  const auth = await import('./organizer/auth.ts').catch(() => {
    throw unreachable();
  });
  return auth.accessToken();
}
