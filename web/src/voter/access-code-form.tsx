// access_code polls: the voter gives the organizer's code before the ballot shows, and the API
// checks it then (POST …/access-code), so a wrong code is said before an answer is chosen. A vote
// refused for its code later (the organizer changed it) brings the voter back here, and the
// answer goes again once a right code is given.
import { POLL_LIMITS } from '@canvass/contracts/poll-limits';
import { useEffect, useRef, useState } from 'preact/hooks';

export function AccessCodeForm({
  given,
  problem,
  checking,
  waiting,
  onCode,
}: {
  given: string;
  problem: string | null;
  checking: boolean;
  /** An answer was tapped and waits for the code. */
  waiting: boolean;
  onCode(code: string): void;
}) {
  const [code, setCode] = useState(given);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (problem) input.current?.focus();
  }, [problem]);
  return (
    <form
      class="access"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (code.trim()) onCode(code.trim());
      }}
    >
      <label for="access-code">Access code</label>
      <p id="access-hint" class="muted small hint">
        {waiting
          ? 'Your answer is kept: enter the right code and it is sent.'
          : 'This poll needs the code its organizer shared. Enter it to vote.'}
      </p>
      <input
        id="access-code"
        ref={input}
        value={code}
        maxLength={POLL_LIMITS.accessCodeMax}
        autoComplete="off"
        autoCapitalize="none"
        spellcheck={false}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? 'access-hint access-problem' : 'access-hint'}
        onInput={(event) => setCode(event.currentTarget.value)}
      />
      {problem && (
        <p id="access-problem" class="error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" class="primary wide" disabled={!code.trim() || checking}>
        {checking ? 'Checking…' : 'Continue'}
      </button>
    </form>
  );
}
