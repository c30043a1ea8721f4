// The editor's live preview: the ballot as a voter's phone shows it, drawn from the unsaved draft.
// Nothing in it votes.
import type { Draft } from './poll-editor.tsx';

export function PollPreview({ draft }: { draft: Draft }) {
  const { type, settings } = draft;
  const labels = draft.options.map((o, i) => o.label.trim() || `Option ${i + 1}`);
  const scale: number[] = [];
  for (let n = settings.scaleMin; n <= settings.scaleMax && scale.length <= 11; n++) scale.push(n);
  return (
    <div class="phone" inert>
      <h2 class="preview-question">{draft.question.trim() || 'Your question'}</h2>
      {settings.voters === 'access_code' && <p class="muted small">Voters type the access code first.</p>}
      {settings.voters === 'signed_in' && <p class="muted small">Voters sign in first.</p>}
      {type === 'single_choice' &&
        labels.map((label) => (
          <div class="choice" key={label}>
            {label}
          </div>
        ))}
      {type === 'multiple_choice' && (
        <>
          <p class="muted small">
            Pick{' '}
            {settings.minSelections === settings.maxSelections
              ? settings.minSelections
              : `${settings.minSelections} to ${settings.maxSelections}`}
          </p>
          {labels.map((label) => (
            <div class="choice" key={label}>
              ☐ {label}
            </div>
          ))}
        </>
      )}
      {type === 'ranking' &&
        labels.map((label, i) => (
          <div class="choice" key={label}>
            {i + 1}. {label}
          </div>
        ))}
      {(type === 'rating' || type === 'nps') && (
        <div class="scale-preview">
          {(type === 'nps' ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : scale).map((n) => (
            <span key={n}>{n}</span>
          ))}
        </div>
      )}
      {type === 'open_text' && (
        <>
          <div class="textarea-preview">Your answer…</div>
          {settings.moderation && <p class="muted small">Answers show once the organizer approves them.</p>}
        </>
      )}
      <p class="muted small">
        {
          {
            live: 'Results show live.',
            after_vote: 'Results show after voting.',
            after_close: 'Results show when the poll closes.',
            hidden: 'Results stay private.',
          }[settings.resultsVisibility]
        }
      </p>
    </div>
  );
}
