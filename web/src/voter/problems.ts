// The API's refusals in the words a voter needs: what happened and what to do. Anything not listed
// here reads as the problem's own `detail`, which the services write for people too.
import { ApiError, messageOf } from '../api.ts';

const WORDS: Record<string, string> = {
  'poll-not-found': 'There is no poll at this address. Check the link you were given.',
  'poll-not-open': 'This poll is not taking votes right now, so your vote was not stored.',
  'already-voted': 'You have already voted in this poll, and votes cannot be changed.',
  'voting-locked': 'The presenter has locked voting on this poll, so your vote was not stored.',
  'vote-change-not-allowed': 'Votes in this poll cannot be changed or withdrawn.',
  'wrong-access-code': 'That access code is not right. Check it with the organizer and try again.',
  'sign-in-required': 'Only signed-in people can vote in this poll. Sign in, then come back to vote.',
  'signed-out': 'Your sign-in has ended. Sign in again, then come back to vote.',
  'invalid-token': 'Canvass did not accept your sign-in. Sign in again, then come back to vote.',
  'too-many-requests': 'That was a lot of requests in a short time. Wait a few seconds and try again.',
  'receipt-not-found': 'No vote has this receipt. Check that the address is complete.',
  'vote-not-found': 'There is no vote from you in this poll to withdraw.',
  'unknown-option': 'One of those options no longer exists. Reload the page and vote again.',
  'device-token-required': 'Canvass could not check this device. Reload the page and vote again.',
  'device-token-invalid': 'Canvass could not check this device. Reload the page and vote again.',
  'proof-of-work-required': 'Canvass could not check this device. Reload the page and vote again.',
  'proof-of-work-invalid': 'Canvass could not check this device. Reload the page and vote again.',
};

export function plainWords(caught: unknown): string {
  return (caught instanceof ApiError && WORDS[caught.kind]) || messageOf(caught);
}
