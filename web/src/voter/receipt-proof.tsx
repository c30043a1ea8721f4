// The proof behind a receipt, in words first and hashes second: which entry of the poll's
// hash-chained record holds the vote, the record's head now, and after closing whether the final
// count includes it. The entry's hash is recomputed here in the browser, so the voter does not
// have to take the server's word for it (hash = sha-256 of prevHash, version and the event's
// canonical JSON, as docs/polls.md says; `canonicalJson` is the one the polls service hashes with).
import { canonicalJson } from '@canvass/contracts/canonical-json';
import { useEffect, useState } from 'preact/hooks';
import type { Receipt } from '../api.ts';
import { when } from '../format.ts';

type Check = 'checking' | 'match' | 'mismatch' | 'unavailable';

async function checkHash(proof: Receipt['proof']): Promise<Check> {
  // Web Crypto exists only on secure pages (https, or localhost).
  if (!globalThis.crypto?.subtle) return 'unavailable';
  const text = `${proof.prevHash}\n${proof.version}\n${canonicalJson(proof.event)}`;
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return hex === proof.hash ? 'match' : 'mismatch';
}

const CHECK_WORDS: Record<Check, string> = {
  checking: 'Checking the hash in this browser…',
  match: 'Checked in this browser: the hash matches the recorded vote.',
  mismatch: 'Warning: the hash does not match the recorded vote. Tell the poll’s organizer.',
  unavailable: 'This browser cannot check the hash on an insecure (http) page; the figures are below.',
};

export function ReceiptProof({ receipt }: { receipt: Receipt }) {
  const { proof, head, final } = receipt;
  const [check, setCheck] = useState<Check>('checking');
  useEffect(() => {
    checkHash(proof).then(setCheck, () => setCheck('unavailable'));
  }, [proof]);

  return (
    <section aria-labelledby="proof-heading">
      <h2 id="proof-heading">Proof</h2>
      <p>
        Every vote is an entry in the poll’s record, and each entry’s hash seals the one before it: no entry
        can be changed or removed without breaking every hash after it. Your vote is entry{' '}
        <strong>{proof.version}</strong>; the record now has {head.version}{' '}
        {head.version === 1 ? 'entry' : 'entries'}.
      </p>
      <p class={check === 'mismatch' ? 'error' : check === 'match' ? 'check-ok' : 'muted'} role="status">
        {CHECK_WORDS[check]}
      </p>
      {final ? (
        <p class={final.includesThisVote ? 'check-ok' : undefined}>
          {final.includesThisVote
            ? `The final count, published when the poll closed (${when(final.closedAt)}), includes this vote.`
            : `The final count, published when the poll closed (${when(final.closedAt)}), does not include this vote.`}
        </p>
      ) : (
        <p class="muted">
          When the poll closes, its final count is published with the record’s last hash, and this page will
          say whether it includes your vote.
        </p>
      )}
      <dl class="facts proof">
        <dt>Entry</dt>
        <dd>{proof.version}</dd>
        <dt>Hash</dt>
        <dd>
          <code>{proof.hash}</code>
        </dd>
        <dt>Previous hash</dt>
        <dd>
          <code>{proof.prevHash}</code>
        </dd>
        <dt>Record head now</dt>
        <dd>
          entry {head.version} · <code>{head.hash}</code>
        </dd>
        {final && (
          <>
            <dt>Final head</dt>
            <dd>
              entry {final.finalHead.version} · <code>{final.finalHead.hash}</code>
            </dd>
            <dt>In the final count</dt>
            <dd>{final.includesThisVote ? 'Yes' : 'No'}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
