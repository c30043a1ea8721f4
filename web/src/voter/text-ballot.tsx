// open_text: a short written answer (at most 500 characters, counted as the voter types).
import { POLL_LIMITS } from '@canvass/contracts/poll-limits';
import { useState } from 'preact/hooks';
import type { BallotProps } from './ballot.tsx';

const LIMIT = POLL_LIMITS.textAnswer;

export function TextBallot({ settings, previous, sending, onVote }: BallotProps) {
  const [text, setText] = useState(() => (previous && 'text' in previous ? previous.text : ''));
  const left = LIMIT - text.length;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (text.trim()) onVote({ text: text.trim() });
      }}
    >
      <label for="answer">Your answer</label>
      <textarea
        id="answer"
        rows={4}
        maxLength={LIMIT}
        value={text}
        disabled={sending}
        aria-describedby={settings.moderation ? 'answer-count answer-moderated' : 'answer-count'}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <p id="answer-count" class={left < 50 ? 'counter warn small' : 'counter muted small'}>
        {text.length} of {LIMIT} characters
      </p>
      {settings.moderation && (
        <p id="answer-moderated" class="muted small">
          The organizer reads answers before they are shown to everyone.
        </p>
      )}
      <button type="submit" class="primary wide" disabled={sending || !text.trim()}>
        {sending ? 'Sending…' : 'Submit answer'}
      </button>
    </form>
  );
}
