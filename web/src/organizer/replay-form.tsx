// Sends an endpoint every message since a time again (after an outage, or a receiver fixed at
// last): the time is picked in the browser's own time zone and sent as an ISO instant.
import { useState } from 'preact/hooks';
import { api } from './auth.ts';
import { endpointPath, localInput } from './notifications.ts';
import { Failure, messageOf, plural } from './ui.tsx';

const DAY_MS = 86_400_000;

export function ReplayForm({ endpointId, onQueued }: { endpointId: string; onQueued: () => void }) {
  const [since, setSince] = useState(() => localInput(new Date(Date.now() - DAY_MS)));
  const [onlyFailed, setOnlyFailed] = useState(true);
  const [queued, setQueued] = useState<number | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function replay(event: Event) {
    event.preventDefault();
    setQueued(null);
    setError(null);
    const at = since ? new Date(since) : null;
    if (!at || Number.isNaN(at.getTime())) return setProblem('Choose the date and time to replay from.');
    if (at.getTime() > Date.now()) return setProblem('Choose a time in the past.');
    setProblem(null);
    setBusy(true);
    try {
      const answer = await api<{ queued: number }>('POST', `${endpointPath(endpointId)}/replay`, {
        since: at.toISOString(),
        onlyFailed,
      });
      setQueued(answer.queued);
      onQueued();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={replay} noValidate class="card" aria-labelledby="replay-heading">
      <h2 id="replay-heading">Replay deliveries</h2>
      <p class="muted small">
        Send this endpoint the events since a time again, each with its original <code>webhook-id</code> so
        your receiver can skip what it already has.
      </p>
      <label for="replay-since">Replay events since</label>
      <input
        id="replay-since"
        type="datetime-local"
        value={since}
        max={localInput(new Date())}
        aria-invalid={problem ? 'true' : undefined}
        aria-describedby={problem ? 'replay-since-problem' : 'replay-since-hint'}
        onInput={(e) => setSince(e.currentTarget.value)}
      />
      {problem ? (
        <p id="replay-since-problem" class="error small">
          {problem}
        </p>
      ) : (
        <p id="replay-since-hint" class="muted small">
          Your local time ({Intl.DateTimeFormat().resolvedOptions().timeZone}).
        </p>
      )}
      <label class="check">
        <input
          type="checkbox"
          checked={onlyFailed}
          onChange={(e) => setOnlyFailed(e.currentTarget.checked)}
        />
        Only events whose delivery failed
      </label>
      {error && <Failure message={error} />}
      <div role="status">
        {queued !== null && (
          <p class="success">
            {queued === 0
              ? 'Nothing to replay since then.'
              : `${plural(queued, 'delivery', 'deliveries')} queued.`}
          </p>
        )}
      </div>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Replaying…' : 'Replay'}
      </button>
    </form>
  );
}
