// access_code polls: the voter gives the organizer's code before the ballot shows. The API is the
// only judge of the code (a vote with a wrong one is refused and nothing is stored), so a refusal
// brings the voter back here with the reason.
import { useEffect, useRef, useState } from 'preact/hooks';

export function AccessCodeForm({
  given,
  problem,
  onCode,
}: {
  given: string;
  problem: string | null;
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
        This poll needs the code its organizer shared. Enter it to vote.
      </p>
      <input
        id="access-code"
        ref={input}
        value={code}
        maxLength={64}
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
      <button type="submit" class="primary wide" disabled={!code.trim()}>
        Continue
      </button>
    </form>
  );
}
