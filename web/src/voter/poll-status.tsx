// What a voter is told when the poll does not take their vote now: not open yet, closed, or
// for signed-in voters only.
import type { PollStatus } from '../api.ts';
import { when } from '../format.ts';

export function PollStatusNotice({ status, opensAt }: { status: PollStatus; opensAt: string | null }) {
  if (status === 'closed') return <p class="notice">This poll is closed. No more votes are taken.</p>;
  if (status === 'open') return null;
  return (
    <p class="notice">
      This poll is not open yet.
      {opensAt && Date.parse(opensAt) > Date.now()
        ? ` It opens ${when(opensAt)}.`
        : ' Come back when the organizer opens it.'}
    </p>
  );
}

/**
 * The way to sign in, coming back to this poll's page (from an embed too: signing in happens in a
 * new tab, as the provider's pages are not for framing). `problem` says why, after a refusal.
 */
export function SignInNotice({
  pollId,
  problem,
  embed,
}: {
  pollId: string;
  problem: string | null;
  embed: boolean;
}) {
  const returnTo = `/p/${encodeURIComponent(pollId)}`;
  return (
    <div class="notice">
      {problem ? <p role="alert">{problem}</p> : <p>Only signed-in people can vote in this poll.</p>}
      <p>
        <a
          class="button primary"
          href={`/sign-in?returnTo=${encodeURIComponent(returnTo)}`}
          target={embed ? '_blank' : undefined}
          rel="noopener"
        >
          Sign in to vote
        </a>
      </p>
    </div>
  );
}
