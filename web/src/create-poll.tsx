// `/`: anyone creates a guest single-choice poll and gets its share link. The manage token the
// answer carries is shown only once, so this browser keeps it (by poll id).
import { POLL_LIMITS } from '@canvass/contracts/poll-limits';
import { useState } from 'preact/hooks';
import { callApi, messageOf, type Poll } from './api.ts';
import { CopyField, OptionRows, optionRow, optionsProblem } from './fields.tsx';
import { GuestPolls } from './guest-polls.tsx';
import { Link } from './link.tsx';
import { keepManageToken } from './storage.ts';

export function CreatePoll() {
  const [question, setQuestion] = useState('');
  const [options, setOptions] = useState(() => [optionRow(), optionRow()]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<Poll | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setError(null);
    const labels = options.map((o) => o.label.trim()).filter(Boolean);
    if (!question.trim()) return setError('Write a question first.');
    const problem = optionsProblem(options);
    if (problem) return setError(problem);
    setBusy(true);
    try {
      const poll = await callApi<Poll>('POST', '/api/v1/polls', {
        body: {
          question: question.trim(),
          type: 'single_choice',
          options: labels.map((label) => ({ label })),
        },
      });
      if (poll.manageToken) keepManageToken(poll.id, poll.manageToken);
      setCreated(poll);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  if (created) {
    const path = `/p/${encodeURIComponent(created.id)}`;
    const link = new URL(path, location.origin).href;
    return (
      <main>
        <h1>Your poll is live</h1>
        <p class="question">{created.question}</p>
        <CopyField id="share-link" label="Share this link with your voters" value={link} />
        <p class="actions">
          <Link class="button primary" href={path}>
            Open the poll
          </Link>
          <button type="button" class="link" onClick={() => setCreated(null)}>
            Create another poll
          </button>
        </p>
      </main>
    );
  }

  return (
    <main>
      <h1>Ask a question</h1>
      <p class="lead">Create a poll in seconds, share the link, and watch the answers arrive live.</p>
      <form onSubmit={submit} noValidate>
        <label for="question">Question</label>
        <input
          id="question"
          value={question}
          maxLength={POLL_LIMITS.question}
          placeholder="Where should we have lunch?"
          onInput={(e) => setQuestion(e.currentTarget.value)}
        />
        <OptionRows rows={options} onChange={setOptions} />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create poll'}
        </button>
      </form>
      <p class="muted small organizer-note">
        Running polls for a team or an event? <Link href="/app">Sign in</Link> or{' '}
        <Link href="/sign-up">create a free account</Link> for a workspace with every poll type, a presenter
        view and analytics.
      </p>
      <GuestPolls
        heading="Your polls"
        intro="The polls you made in this browser. Signed in, you can move them into your workspace from your poll list."
      />
    </main>
  );
}
