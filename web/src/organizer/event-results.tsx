// An event's results on its page: participation, each poll's leading answer, and the CSV.
import { useState } from 'preact/hooks';
import { type EventReport, eventPath } from './event-model.ts';
import { downloadFile } from './model.ts';
import { Failure, Link, messageOf } from './ui.tsx';

const downloadReport = (eventId: string) =>
  downloadFile(`${eventPath(eventId)}/report?format=csv`, `event-${eventId}.csv`);

/** Participation and each poll's leading answer; the CSV has every answer. */
export function EventResults({ eventId, report }: { eventId: string; report: EventReport }) {
  const [error, setError] = useState<string | null>(null);
  const { participation } = report;
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading">Results</h2>
      {participation.ballots === 0 ? (
        <p class="muted">No votes yet. Results show here as the audience votes.</p>
      ) : (
        <>
          <p>
            {participation.ballots === 1 ? '1 ballot' : `${participation.ballots} ballots`} in{' '}
            {participation.polls === 1 ? '1 poll' : `${participation.polls} polls`}; the most-answered poll
            had {participation.mostVoters === 1 ? '1 voter' : `${participation.mostVoters} voters`}.
          </p>
          <table class="event-results">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Poll</th>
                <th scope="col">Ballots</th>
                <th scope="col">Leading answer</th>
              </tr>
            </thead>
            <tbody>
              {report.polls.map((poll) => {
                // A tie is a tie: every answer with the most votes.
                const most = Math.max(0, ...poll.answers.map((answer) => answer.votes));
                const leaders = poll.answers.filter((answer) => answer.votes === most);
                return (
                  <tr key={poll.id}>
                    <td>{poll.position}</td>
                    <td>
                      <Link href={`/app/polls/${encodeURIComponent(poll.id)}`}>{poll.question}</Link>
                    </td>
                    <td>{poll.ballots}</td>
                    <td>
                      {most === 0
                        ? '—'
                        : `${leaders.map((answer) => answer.answer).join(', ')} (${most}${leaders.length > 1 ? ' each' : ''})`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      <button
        type="button"
        onClick={() => downloadReport(eventId).catch((caught) => setError(messageOf(caught)))}
      >
        Export CSV
      </button>
      {error && <Failure message={error} />}
    </section>
  );
}
