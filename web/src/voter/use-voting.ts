// Casting, changing and withdrawing a vote, and what the voter is told about each. The receipt is
// kept per poll in this browser; an access code is kept once a vote with it went through. A
// signed_in poll takes the signed-in session's access token, refreshed first when it is due.
// What the poll's anti-stuffing settings ask (a device token, a proof of work) is fetched and
// solved before the vote (vote-proof.ts); a vote refused for lack of either is sent once more
// with them, and one refused because many vote from the same network waits its Retry-After
// (up to a minute) and goes again.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, callApi, type Poll, pollPath, type Receipt } from '../api.ts';
import {
  accessCode,
  forgetAccessCode,
  forgetVoteReceipt,
  keepAccessCode,
  keepVoteReceipt,
  signedInToken,
  voteReceipt,
  voterToken,
} from '../storage.ts';
import type { Answer } from './ballot.tsx';
import { plainWords } from './problems.ts';
import { forgetDeviceToken, type ProofNeeds, voteProofHeaders } from './vote-proof.ts';

export interface Voting {
  receipt: string | null;
  alreadyVoted: boolean;
  /** The voter asked to change their vote: the ballot shows again. */
  changing: boolean;
  /** The answer last sent from this page (marks the voter's own in the results). */
  answer: Answer | null;
  code: string | null;
  codeProblem: string | null;
  /** Why the voter must sign in (again) before voting: the session is missing, ended or refused. */
  signInProblem: string | null;
  sending: boolean;
  /** An access code is being checked. */
  checkingCode: boolean;
  /** An answer was refused for its access code and goes again once a right one is given. */
  answerWaitsForCode: boolean;
  justVoted: boolean;
  error: string | null;
  /** Good news to announce (a withdrawal went through). */
  notice: string | null;
  vote(answer: Answer): Promise<void>;
  withdraw(): Promise<void>;
  startChange(): void;
  cancelChange(): void;
  /** Checks the code with the API; once right, an answer refused for the code goes again. */
  giveCode(code: string): Promise<void>;
}

/** Refusals that signing in (again) cures: no session, a session that ended, a token refused. */
const SIGN_IN_AGAIN = new Set(['sign-in-required', 'signed-out', 'invalid-token']);

/** Refusals a fresh device token or proof of work cures (the poll may have asked since the page loaded). */
const PROOF_REFUSALS: Record<string, keyof ProofNeeds> = {
  'device-token-required': 'deviceToken',
  'device-token-invalid': 'deviceToken',
  'proof-of-work-required': 'proofOfWork',
  'proof-of-work-invalid': 'proofOfWork',
};
/** The longest a busy network's vote waits to go again by itself. */
const MAX_AUTOMATIC_WAIT_SECONDS = 60;
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

export function useVoting(
  poll: Poll | null,
  pollId: string,
  { embed, onRefused }: { embed: boolean; onRefused(): void },
): Voting {
  const [receipt, setReceipt] = useState(() => voteReceipt(pollId));
  const [alreadyVoted, setAlreadyVoted] = useState(false);
  const [changing, setChanging] = useState(false);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [code, setCode] = useState(() => accessCode(pollId));
  const [codeProblem, setCodeProblem] = useState<string | null>(null);
  const [signInProblem, setSignInProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [checkingCode, setCheckingCode] = useState(false);
  // An answer refused only for its access code: sent again once a right code is given.
  const [pending, setPending] = useState<Answer | null>(null);
  const [justVoted, setJustVoted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const needsCode = poll?.settings?.voters === 'access_code';

  // Back on the page with a receipt: its ballot marks the voter's own answer in the results again.
  const type = poll?.type;
  useEffect(() => {
    if (!receipt || !type || answer) return;
    let current = true;
    callApi<Receipt>('GET', `/api/v1/receipts/${encodeURIComponent(receipt)}`).then(
      ({ ballot, status }) => {
        if (!current || status !== 'counted') return;
        if (type === 'ranking') setAnswer({ ranking: ballot.optionIds });
        else if (ballot.rating !== null) setAnswer({ rating: ballot.rating });
        else if (ballot.text !== null) setAnswer({ text: ballot.text });
        else setAnswer({ optionIds: ballot.optionIds });
      },
      () => undefined, // Marking is a nicety: the page works without it.
    );
    return () => {
      current = false;
    };
  }, [receipt, type]);

  async function headers(given = code): Promise<Record<string, string>> {
    const code = given;
    return {
      'voter-token': voterToken(),
      ...(poll?.settings?.voters === 'signed_in' ? { authorization: `Bearer ${await signedInToken()}` } : {}),
      // Withdrawing takes the code as a header (a DELETE has no body); a vote takes it in the body.
      ...(needsCode && code ? { 'access-code': code } : {}),
    };
  }

  /**
   * Says what went wrong; a wrong code goes back to the code form, a missing or ended sign-in to
   * the sign-in link, and a poll that changed is re-read.
   */
  function refused(caught: unknown, answer?: Answer) {
    if (caught instanceof ApiError && SIGN_IN_AGAIN.has(caught.kind)) {
      setSignInProblem(plainWords(caught));
    } else if (caught instanceof ApiError && caught.kind === 'wrong-access-code') {
      forgetAccessCode(pollId);
      setCode(null);
      setCodeProblem(plainWords(caught));
      if (answer) setPending(answer);
    } else if (caught instanceof ApiError && caught.kind === 'already-voted') {
      setAlreadyVoted(true);
      setChanging(false);
      setJustVoted(true);
    } else {
      setError(plainWords(caught));
      if (caught instanceof ApiError && (caught.kind === 'poll-not-open' || caught.status === 422))
        onRefused();
    }
  }

  async function vote(given: Answer, withCode = code) {
    const code = withCode;
    setSending(true);
    setError(null);
    setNotice(null);
    setAnswer(given);
    try {
      const body = {
        ...given,
        ...(needsCode && code ? { accessCode: code } : {}),
        ...(embed ? { segment: 'embed' } : {}),
      };
      const tokenPoll = poll?.settings?.voters !== 'signed_in';
      const needs: ProofNeeds = {
        deviceToken: tokenPoll && poll?.settings?.deviceToken === true,
        proofOfWork: tokenPoll && (poll?.settings?.proofOfWork ?? 0) > 0,
      };
      const send = async (retries: number): Promise<{ receiptId: string }> => {
        try {
          const proof = await voteProofHeaders(pollId, voterToken(), needs);
          return await callApi<{ receiptId: string }>('POST', `${pollPath(pollId)}/votes`, {
            body,
            headers: { ...(await headers(code)), ...proof },
          });
        } catch (caught) {
          if (retries === 0 || !(caught instanceof ApiError)) throw caught;
          const cure = PROOF_REFUSALS[caught.kind];
          if (cure) {
            forgetDeviceToken(pollId);
            needs[cure] = true;
            return send(retries - 1);
          }
          const wait = caught.retryAfter ?? 0;
          if (caught.kind === 'address-rate-limited' && wait <= MAX_AUTOMATIC_WAIT_SECONDS) {
            setNotice(`Many people are voting from your network. Your vote goes again in ${wait} s…`);
            await sleep(wait);
            setNotice(null);
            return send(retries - 1);
          }
          throw caught;
        }
      };
      const answered = await send(2);
      keepVoteReceipt(pollId, answered.receiptId);
      if (needsCode && code) keepAccessCode(pollId, code);
      setReceipt(answered.receiptId);
      setChanging(false);
      setJustVoted(true);
    } catch (caught) {
      setAnswer(null);
      refused(caught, given);
    } finally {
      setSending(false);
    }
  }

  async function giveCode(given: string) {
    setCheckingCode(true);
    setCodeProblem(null);
    try {
      await callApi('POST', `${pollPath(pollId)}/access-code`, { body: { accessCode: given } });
    } catch (caught) {
      setCodeProblem(plainWords(caught));
      return;
    } finally {
      setCheckingCode(false);
    }
    setCode(given);
    if (pending) {
      // The answer the voter already tapped goes now, with the right code: no second tap.
      setPending(null);
      await vote(pending, given);
    }
  }

  async function withdraw() {
    setSending(true);
    setError(null);
    try {
      await callApi('DELETE', `${pollPath(pollId)}/votes/mine`, { headers: await headers() });
      forgetVoteReceipt(pollId);
      setReceipt(null);
      setAnswer(null);
      setJustVoted(false);
      setNotice('Your vote was withdrawn. It no longer counts; you can vote again while the poll is open.');
    } catch (caught) {
      refused(caught);
    } finally {
      setSending(false);
    }
  }

  return {
    receipt,
    alreadyVoted,
    changing,
    answer,
    code,
    codeProblem,
    signInProblem,
    sending,
    checkingCode,
    answerWaitsForCode: pending !== null,
    justVoted,
    error,
    notice,
    vote,
    withdraw,
    startChange: () => {
      setChanging(true);
      setJustVoted(false);
      setNotice(null);
    },
    cancelChange: () => setChanging(false),
    giveCode,
  };
}
