// `/receipts/<receiptId>`: whether the vote behind a receipt counts, the ballot it cast, and the
// proof. Only the receipt's holder can open it: the server keeps only the receipt's hash.
import { useEffect, useState } from 'preact/hooks';
import { callApi, type Poll, pollPath, type Receipt } from '../api.ts';
import { when } from '../format.ts';
import { plainWords } from './problems.ts';
import { ReceiptProof } from './receipt-proof.tsx';

type Load =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'ready'; receipt: Receipt; poll: Poll | null };

const VERDICTS: Record<Receipt['status'], { heading: string; words: string }> = {
  counted: { heading: 'Your vote counts', words: 'This vote is in the count.' },
  replaced: {
    heading: 'This vote was replaced',
    words: 'You voted again, so your newer vote counts instead of this one. Its own receipt shows it.',
  },
  withdrawn: { heading: 'This vote was withdrawn', words: 'You withdrew this vote, so it no longer counts.' },
};

const MODERATION: Record<string, string> = {
  pending: 'Waiting for the organizer’s review before it is shown.',
  approved: 'Approved: shown with the results.',
  rejected: 'The organizer chose not to show it.',
};

function BallotWords({ receipt, poll }: { receipt: Receipt; poll: Poll | null }) {
  const { ballot } = receipt;
  const label = (id: string) => poll?.options.find((o) => o.id === id)?.label ?? id;
  if (ballot.text !== null) return <blockquote class="answer">{ballot.text}</blockquote>;
  if (ballot.rating !== null) {
    const scale = poll?.settings;
    return (
      <span>
        {ballot.rating}
        {scale ? ` on a scale of ${scale.scaleMin} to ${scale.scaleMax}` : ''}
      </span>
    );
  }
  if (poll?.type === 'ranking') {
    return (
      <ol class="ranked">
        {ballot.optionIds.map((id) => (
          <li key={id}>{label(id)}</li>
        ))}
      </ol>
    );
  }
  return <span>{ballot.optionIds.map(label).join(', ')}</span>;
}

export function ReceiptPage({ receiptId }: { receiptId: string }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  useEffect(() => {
    let current = true;
    document.title = 'Your vote receipt · Canvass';
    (async () => {
      const receipt = await callApi<Receipt>('GET', `/api/v1/receipts/${encodeURIComponent(receiptId)}`);
      // The options' labels, to say the ballot in words; without them the ids still prove it.
      const poll = await callApi<Poll>('GET', pollPath(receipt.pollId)).catch(() => null);
      if (current) setLoad({ state: 'ready', receipt, poll });
    })().catch((caught) => current && setLoad({ state: 'failed', message: plainWords(caught) }));
    return () => {
      current = false;
    };
  }, [receiptId]);

  if (load.state === 'loading') {
    return (
      <main aria-busy="true">
        <p class="muted" role="status">
          Checking your receipt…
        </p>
      </main>
    );
  }
  if (load.state === 'failed') {
    return (
      <main>
        <h1>This receipt cannot be checked</h1>
        <p class="error" role="alert">
          {load.message}
        </p>
      </main>
    );
  }
  const { receipt, poll } = load;
  const verdict = VERDICTS[receipt.status];
  return (
    <main class="receipt-page">
      <p class={`verdict ${receipt.status}`}>{receipt.status === 'counted' ? '✓ Counted' : 'Not counted'}</p>
      <h1>{verdict.heading}</h1>
      <p class="lead">{verdict.words}</p>
      <dl class="facts">
        <dt>Poll</dt>
        <dd>
          <a href={`/p/${encodeURIComponent(receipt.pollId)}`}>{receipt.question}</a>
        </dd>
        <dt>Voted</dt>
        <dd>{when(receipt.castAt)}</dd>
        <dt>Your answer</dt>
        <dd>
          <BallotWords receipt={receipt} poll={poll} />
        </dd>
        {receipt.moderation && (
          <>
            <dt>Shown</dt>
            <dd>{MODERATION[receipt.moderation] ?? receipt.moderation}</dd>
          </>
        )}
        <dt>Receipt</dt>
        <dd>
          <code>{receipt.receiptId}</code>
        </dd>
      </dl>
      <ReceiptProof receipt={receipt} />
    </main>
  );
}
