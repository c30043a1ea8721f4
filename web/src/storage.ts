// What this browser remembers: one voter token, and per poll its manage token and vote receipt.
// localStorage can be unavailable (private modes, blocked storage): then nothing is remembered.

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
