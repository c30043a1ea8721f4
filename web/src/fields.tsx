// Form pieces the guest page and the organizer pages share: a read-only value with a copy
// button that says it copied, and the editable list of a poll's options.
import { labelKey, POLL_LIMITS, repeatedLabel } from '@canvass/contracts/poll-limits';
import { useEffect, useState } from 'preact/hooks';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <button
      type="button"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
        } catch {
          // Clipboard refused (no permission): the text is selectable next to the button.
        }
      }}
    >
      <span aria-live="polite">{copied ? 'Copied' : label}</span>
    </button>
  );
}

/** A labelled read-only value (selected on focus) with its copy button. */
export function CopyField(props: {
  id: string;
  label: string;
  value: string;
  rows?: number;
  copyLabel?: string;
}) {
  const select = (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => e.currentTarget.select();
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <div class={props.rows ? 'share stacked' : 'share'}>
        {props.rows ? (
          <textarea id={props.id} readOnly rows={props.rows} value={props.value} onFocus={select} />
        ) : (
          <input id={props.id} readOnly value={props.value} onFocus={select} />
        )}
        <CopyButton text={props.value} label={props.copyLabel} />
      </div>
    </>
  );
}

export interface OptionRow {
  key: number;
  label: string;
}

let nextKey = 0;
export const optionRow = (label = ''): OptionRow => ({ key: nextKey++, label });

/**
 * What is wrong with a poll's options before it is sent, in the words the API would use: too few,
 * or two the same (voters could not tell them apart). Blank rows are left out.
 */
export function optionsProblem(rows: readonly OptionRow[]): string | null {
  const labels = rows.map((row) => row.label.trim()).filter(Boolean);
  if (labels.length < POLL_LIMITS.minOptions) return 'Give at least two options.';
  const repeated = repeatedLabel(labels);
  if (repeated)
    return `Each option must be different: option ${repeated.again + 1} (“${repeated.label}”) repeats option ${repeated.first + 1}.`;
  return null;
}

/**
 * A poll's options: a labelled input per option, remove buttons (never below two), add (up to
 * the API's limit, which the list says once it is reached). A repeated option is marked.
 */
export function OptionRows(props: { rows: OptionRow[]; onChange(rows: OptionRow[]): void }) {
  const { rows, onChange } = props;
  const max = POLL_LIMITS.maxOptions;
  const seen = new Set<string>();
  const repeats = rows.map((row) => {
    const key = labelKey(row.label);
    if (!key) return false;
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
  return (
    <fieldset>
      <legend>Options</legend>
      {rows.map((option, index) => (
        <div class="option-row" key={option.key}>
          <input
            aria-label={`Option ${index + 1}`}
            aria-invalid={repeats[index] ? true : undefined}
            title={repeats[index] ? 'The same as an option above' : undefined}
            value={option.label}
            maxLength={POLL_LIMITS.optionLabel}
            placeholder={`Option ${index + 1}`}
            onInput={(e) => {
              const label = e.currentTarget.value;
              onChange(rows.map((r) => (r.key === option.key ? { ...r, label } : r)));
            }}
          />
          <button
            type="button"
            class="remove"
            aria-label={`Remove option ${index + 1}`}
            disabled={rows.length <= 2}
            onClick={() => onChange(rows.filter((r) => r.key !== option.key))}
          >
            ×
          </button>
        </div>
      ))}
      {rows.length >= max ? (
        <p class="muted small">A poll has at most {max} options, so voters can still read them all.</p>
      ) : (
        <button type="button" class="link" onClick={() => onChange([...rows, optionRow()])}>
          + Add an option
        </button>
      )}
    </fieldset>
  );
}
