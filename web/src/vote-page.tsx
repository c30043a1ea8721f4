// `/p/<pollId>` (and `/embed/<pollId>`, compact for another site's iframe): the voter's page, phone
// first. The ballot fits the poll type; then the receipt, and the results, live, where the poll
// shows them to this voter.
import { defaultSettings } from '@canvass/contracts/poll-defaults';
import type { PollStatus } from './api.ts';
import { useLiveResults } from './live.ts';
import { hasSession, manageToken } from './storage.ts';
import { AccessCodeForm } from './voter/access-code-form.tsx';
import { Ballot, chosenIds } from './voter/ballot.tsx';
import { useEmbedFrame } from './voter/embed.ts';
import { PollStatusNotice, SignInNotice } from './voter/poll-status.tsx';
import { ResultsView } from './voter/results-view.tsx';
import { usePollPage } from './voter/use-poll-page.ts';
import { useVoting } from './voter/use-voting.ts';
import { VoteReceipt } from './voter/vote-receipt.tsx';

/** Why results are not shown: the refusal's type, or the poll's results visibility. */
const hiddenReasons: Record<string, string> = {
  'results-after-vote': 'Results show once you have voted.',
  after_vote: 'Results show once you have voted.',
  'results-after-close': 'Results show once the poll closes.',
  after_close: 'Results show once the poll closes.',
  'results-hidden': 'The organizer keeps the results private.',
  hidden: 'The organizer keeps the results private.',
  'other-device': 'Results show on the device you voted with.',
  loading: 'Loading the results…',
};
const whyNoResults = (reason: string, serverWords: string | null) =>
  hiddenReasons[reason] ?? serverWords ?? 'Results are not available yet.';

const STAGES: readonly PollStatus[] = ['draft', 'scheduled', 'open', 'closed'];
/** The later of two statuses: live results may know the poll opened or closed before the page does. */
const later = (a: PollStatus, b: PollStatus | undefined) =>
  b && STAGES.indexOf(b) > STAGES.indexOf(a) ? b : a;

/** What an event's presenter decides for the poll on screen (docs/events.md). */
export interface StageControl {
  /** The presenter showed the results. */
  revealed: boolean;
  /** When voting stops, in this browser's clock (the server's, corrected for the difference). */
  lockedAt: number | null;
  /** Now, in the same clock (ticks while a countdown runs). */
  now: number;
}

/**
 * The poll's page. Inside an event (`stage`) it is a section of the event's page: results show
 * only once the presenter reveals them, and the presenter's lock and countdown stop the ballot.
 */
export function VotePage({
  pollId,
  embed = false,
  stage,
}: {
  pollId: string;
  embed?: boolean;
  stage?: StageControl;
}) {
  const [load, reload] = usePollPage(pollId);
  const poll = load.state === 'ready' ? load.page.poll : null;
  const voting = useVoting(poll, pollId, { embed, onRefused: reload });
  const live = useLiveResults(pollId, load.state === 'ready' ? load.page.results : null, {
    receipt: voting.receipt,
    manageToken: manageToken(pollId),
  });
  useEmbedFrame(pollId, embed);
  const pageClass = embed ? 'vote embedded' : stage ? 'vote in-event' : 'vote';
  const Root = stage ? 'section' : 'main';
  const Heading = stage ? 'h2' : 'h1';

  if (load.state === 'loading') {
    return (
      <Root class={pageClass} aria-busy="true">
        <p class="visually-hidden" role="status">
          Loading the poll…
        </p>
        <div class="skeleton heading" />
        <div class="skeleton" />
        <div class="skeleton" />
        <div class="skeleton" />
      </Root>
    );
  }
  if (load.state === 'failed') {
    return (
      <Root class={pageClass}>
        <Heading>{load.deleted ? 'This poll was deleted' : 'This poll cannot be shown'}</Heading>
        <p class="error" role="alert">
          {load.message}
        </p>
        {!embed && (
          <p>
            <a href="/">Create a poll of your own</a>
          </p>
        )}
      </Root>
    );
  }

  const { poll: shown, resultsUnavailable } = load.page;
  const settings = shown.settings ?? defaultSettings(shown.type, shown.options.length);
  const status = later(shown.status, live.results?.status);
  const voted = voting.receipt !== null || voting.alreadyVoted;
  const needsSignIn = settings.voters === 'signed_in' && (voting.signInProblem !== null || !hasSession());
  const needsCode = settings.voters === 'access_code' && !voting.code;
  const locked = stage?.lockedAt != null && stage.now >= stage.lockedAt;
  const secondsLeft =
    stage?.lockedAt != null && !locked ? Math.ceil((stage.lockedAt - stage.now) / 1000) : null;
  const balloting = status === 'open' && (!voted || voting.changing) && !needsSignIn && !locked;
  const results = live.hidden || (stage && !stage.revealed) ? null : (live.results ?? load.page.results);
  const hiddenText =
    stage && !stage.revealed
      ? 'Results show when the presenter reveals them.'
      : whyNoResults(
          settings.resultsVisibility === 'after_vote' && voted
            ? voting.receipt
              ? 'loading'
              : 'other-device'
            : settings.resultsVisibility === 'after_close' && status === 'closed'
              ? 'loading'
              : (resultsUnavailable?.type.split('/').at(-1) ?? settings.resultsVisibility),
          live.hidden,
        );

  return (
    <Root class={pageClass}>
      <Heading>{shown.question}</Heading>
      <PollStatusNotice status={status} opensAt={shown.opensAt} />
      {status === 'open' && locked && <p class="notice">Voting is locked.</p>}
      {status === 'open' && secondsLeft !== null && (
        <p class="countdown" role="timer" aria-live="off">
          {secondsLeft} s left to vote
        </p>
      )}
      {status === 'open' && needsSignIn && (!voted || voting.signInProblem) && (
        <SignInNotice pollId={pollId} problem={voting.signInProblem} embed={embed} />
      )}
      {status === 'open' && needsCode && (balloting || voting.codeProblem) && (
        <AccessCodeForm
          given=""
          problem={voting.codeProblem}
          checking={voting.checkingCode}
          waiting={voting.answerWaitsForCode}
          onCode={voting.giveCode}
        />
      )}
      {balloting && !needsCode && (
        <>
          <Ballot
            poll={shown}
            settings={settings}
            previous={voting.answer}
            sending={voting.sending}
            onVote={voting.vote}
          />
          {voting.changing && (
            <button type="button" class="link" onClick={voting.cancelChange}>
              Keep my vote as it is
            </button>
          )}
        </>
      )}
      {voting.error && (
        <p class="error" role="alert">
          {voting.error}
        </p>
      )}
      <div aria-live="polite">
        {voted && !voting.changing && (
          <VoteReceipt
            receipt={voting.receipt}
            canChange={settings.allowVoteChange && status === 'open' && voting.receipt !== null}
            embed={embed}
            busy={voting.sending}
            justVoted={voting.justVoted}
            onChange={voting.startChange}
            onWithdraw={voting.withdraw}
          />
        )}
        {voting.notice && <p class="receipt">{voting.notice}</p>}
      </div>
      {results ? (
        <ResultsView results={results} type={shown.type} chosen={chosenIds(voting.answer)} />
      ) : (
        <p class="muted">{hiddenText}</p>
      )}
      {/* In an event, the event's page says whether it is live. */}
      {!stage && (
        <p class="muted small live-line">
          {live.viewers !== null &&
            `${live.viewers === 1 ? '1 person' : `${live.viewers} people`} watching · `}
          {status === 'closed'
            ? 'Voting has closed'
            : live.connected
              ? 'Live'
              : live.everConnected
                ? 'Reconnecting…'
                : 'Connecting…'}
          {embed && (
            <>
              {' · '}
              <a href={`/p/${encodeURIComponent(pollId)}`} target="_blank" rel="noopener">
                Canvass
              </a>
            </>
          )}
        </p>
      )}
    </Root>
  );
}
