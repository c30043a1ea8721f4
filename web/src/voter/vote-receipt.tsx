// After voting: the receipt with a link to verify it, and, where the poll allows it, changing or
// withdrawing the vote (withdrawing asks once more: it cannot be undone by the page).
import { useEffect, useRef, useState } from 'preact/hooks';

export function VoteReceipt({
  receipt,
  canChange,
  embed,
  busy,
  justVoted,
  onChange,
  onWithdraw,
}: {
  receipt: string | null;
  canChange: boolean;
  embed: boolean;
  busy: boolean;
  /** Voted a moment ago on this page: the ballot that had the focus is gone, so take it. */
  justVoted: boolean;
  onChange(): void;
  onWithdraw(): void;
}) {
  const [confirming, setConfirming] = useState(false);
  const message = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    if (justVoted) message.current?.focus();
  }, [justVoted]);
  const verify = `/receipts/${encodeURIComponent(receipt ?? '')}`;
  return (
    <div class="voted">
      {receipt ? (
        <>
          <p class="receipt" ref={message} tabIndex={-1}>
            Your vote is in. Receipt: <code>{receipt}</code>
          </p>
          <p class="small">
            <a href={verify} target={embed ? '_blank' : undefined} rel="noopener">
              Verify your vote
            </a>{' '}
            <span class="muted">· the receipt shows that your vote counts. Only you have it.</span>
          </p>
        </>
      ) : (
        <p class="receipt" ref={message} tabIndex={-1}>
          You have already voted.
        </p>
      )}
      {canChange && !confirming && (
        <p class="actions">
          <button type="button" disabled={busy} onClick={onChange}>
            Change my vote
          </button>
          <button type="button" class="link" disabled={busy} onClick={() => setConfirming(true)}>
            Withdraw my vote
          </button>
        </p>
      )}
      {canChange && confirming && (
        <fieldset class="notice confirm">
          <legend>Withdraw your vote? It will no longer count.</legend>
          <p class="actions">
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() => {
                setConfirming(false);
                onWithdraw();
              }}
            >
              Withdraw it
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              Keep my vote
            </button>
          </p>
        </fieldset>
      )}
    </div>
  );
}
