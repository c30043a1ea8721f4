// The editor's live preview: the voter's own ballot (the same components the voting page uses),
// drawn from the unsaved draft. It can be tried; nothing is sent.
import { useState } from 'preact/hooks';
import type { Poll } from '../api.ts';
import { Ballot } from '../voter/ballot.tsx';
import type { Draft } from './poll-editor.tsx';

const VISIBILITY: Record<string, string> = {
  live: 'Results show live.',
  after_vote: 'Results show after voting.',
  after_close: 'Results show when the poll closes.',
  hidden: 'Results stay private.',
};

export function PollPreview({ draft }: { draft: Draft }) {
  const [tried, setTried] = useState(false);
  const poll: Poll = {
    id: 'preview',
    question: draft.question.trim() || 'Your question',
    type: draft.type,
    status: 'open',
    options: draft.options.map((o, i) => ({
      id: `option-${o.key}`,
      label: o.label.trim() || `Option ${i + 1}`,
    })),
    settings: draft.settings,
    opensAt: null,
    closesAt: null,
  };
  return (
    <div class="phone">
      <h2 class="preview-question">{poll.question}</h2>
      {draft.settings.voters === 'access_code' && (
        <p class="muted small">Voters type the access code first.</p>
      )}
      {draft.settings.voters === 'signed_in' && <p class="muted small">Voters sign in first.</p>}
      <Ballot
        key={`${draft.type}:${draft.options.length}`}
        poll={poll}
        settings={draft.settings}
        previous={null}
        sending={false}
        onVote={() => setTried(true)}
      />
      <p class="muted small" aria-live="polite">
        {tried
          ? 'That is how voting feels. Nothing was sent: this is a preview.'
          : VISIBILITY[draft.settings.resultsVisibility]}
      </p>
    </div>
  );
}
