// What a voter is told when the poll does not take their vote now: not open yet, closed, or
// for signed-in voters only.
import type { PollStatus } from '../api.ts';

export function PollStatusNotice({ status, opensAt }: { status: PollStatus; opensAt: string | null }) {
  if (status === 'closed') return <p class="notice">This poll is closed. No more votes are taken.</p>;
  if (status === 'open') return null;
  const when = opensAt ? new Date(opensAt) : null;
  return (
    <p class="notice">
      This poll is not open yet.
      {when && when.getTime() > Date.now()
        ? ` It opens ${when.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}.`
        : ' Come back when the organizer opens it.'}
    </p>
  );
}

export function SignInNotice({ embed }: { embed: boolean }) {
  return (
    <div class="notice">
      <p>Only signed-in people can vote in this poll.</p>
      <p>
        <a class="button primary" href="/app" target={embed ? '_blank' : undefined} rel="noopener">
          Sign in to vote
        </a>
      </p>
    </div>
  );
}
