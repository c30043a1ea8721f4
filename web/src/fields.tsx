// Form pieces the guest page and the organizer pages share: a read-only value with a copy
// button that says it copied, and the editable list of a poll's options.
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

/** A poll's options: a labelled input per option, remove buttons (never below two), add. */
export function OptionRows(props: { rows: OptionRow[]; max: number; onChange(rows: OptionRow[]): void }) {
  const { rows, onChange } = props;
  return (
    <fieldset>
      <legend>Options</legend>
      {rows.map((option, index) => (
        <div class="option-row" key={option.key}>
          <input
            aria-label={`Option ${index + 1}`}
            value={option.label}
            maxLength={200}
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
      <button
        type="button"
        class="link"
        disabled={rows.length >= props.max}
        onClick={() => onChange([...rows, optionRow()])}
      >
        + Add an option
      </button>
    </fieldset>
  );
}
