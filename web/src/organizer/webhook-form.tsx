// The form for a webhook endpoint, to add one or change one: its URL, a description, and the
// events it gets (a checkbox each with what it means, and one for all of them). Problems show
// beside the field they are about; anything else at the form.
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { type EndpointFields, fieldOf, WEBHOOK_EVENTS } from './notifications.ts';
import { Failure, messageOf } from './ui.tsx';

type Problems = { url?: string; eventTypes?: string; form?: string };

function check(fields: EndpointFields): Problems {
  const problems: Problems = {};
  let url: URL | null = null;
  try {
    url = new URL(fields.url);
  } catch {
    // Not a URL at all: said below.
  }
  if (!fields.url) problems.url = 'Enter the URL Canvass should send events to.';
  else if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname)
    problems.url = 'Enter a full web address, starting with https://.';
  if (fields.eventTypes.length === 0) problems.eventTypes = 'Choose at least one event.';
  return problems;
}

export function EndpointForm(props: {
  id: string;
  heading: ComponentChildren;
  initial?: EndpointFields;
  submitLabel: string;
  busyLabel: string;
  /** Saves; a refusal it throws is shown at its field or at the form. */
  onSave(fields: EndpointFields): Promise<void>;
  onCancel?: () => void;
  /** Empties the form after a save (adding another endpoint). */
  resetAfterSave?: boolean;
}) {
  const { id } = props;
  const blank: EndpointFields = {
    url: '',
    description: '',
    eventTypes: WEBHOOK_EVENTS.map(([type]) => type),
  };
  const [fields, setFields] = useState<EndpointFields>(props.initial ?? blank);
  const [problems, setProblems] = useState<Problems>({});
  const [busy, setBusy] = useState(false);
  const urlInput = useRef<HTMLInputElement>(null);
  const eventsBox = useRef<HTMLFieldSetElement>(null);
  const all = fields.eventTypes.length === WEBHOOK_EVENTS.length;

  const toggle = (type: string, on: boolean) =>
    setFields({
      ...fields,
      // Kept in the contract's order, whatever order they were ticked in.
      eventTypes: WEBHOOK_EVENTS.map(([t]) => t).filter((t) =>
        t === type ? on : fields.eventTypes.includes(t),
      ),
    });

  async function submit(event: Event) {
    event.preventDefault();
    const trimmed = { ...fields, url: fields.url.trim(), description: fields.description.trim() };
    const found = check(trimmed);
    setProblems(found);
    if (found.url) return urlInput.current?.focus();
    if (found.eventTypes) return eventsBox.current?.querySelector('input')?.focus();
    setBusy(true);
    try {
      await props.onSave(trimmed);
      if (props.resetAfterSave) setFields(blank);
    } catch (caught) {
      const field = fieldOf(caught);
      setProblems({ [field ?? 'form']: messageOf(caught) });
      if (field === 'url') urlInput.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate class="card">
      {props.heading}
      <label for={`${id}-url`}>Endpoint URL</label>
      <input
        id={`${id}-url`}
        ref={urlInput}
        type="url"
        inputMode="url"
        autocomplete="url"
        spellcheck={false}
        maxLength={2048}
        placeholder="https://example.com/canvass-events"
        value={fields.url}
        aria-invalid={problems.url ? 'true' : undefined}
        aria-describedby={problems.url ? `${id}-url-problem` : `${id}-url-hint`}
        onInput={(e) => setFields({ ...fields, url: e.currentTarget.value })}
      />
      {problems.url ? (
        <p id={`${id}-url-problem`} class="error small">
          {problems.url}
        </p>
      ) : (
        <p id={`${id}-url-hint`} class="muted small">
          A public address of yours that accepts POST requests. Canvass signs every request.
        </p>
      )}
      <label for={`${id}-description`}>Description (optional)</label>
      <input
        id={`${id}-description`}
        maxLength={200}
        placeholder="Our CRM sync"
        value={fields.description}
        onInput={(e) => setFields({ ...fields, description: e.currentTarget.value })}
      />
      <fieldset
        ref={eventsBox}
        class="events"
        aria-describedby={problems.eventTypes ? `${id}-events-problem` : undefined}
      >
        <legend>Events to send</legend>
        <label class="check">
          <input
            type="checkbox"
            class="box"
            checked={all}
            indeterminate={!all && fields.eventTypes.length > 0}
            onChange={(e) =>
              setFields({
                ...fields,
                eventTypes: e.currentTarget.checked ? WEBHOOK_EVENTS.map(([t]) => t) : [],
              })
            }
          />
          All events
        </label>
        {WEBHOOK_EVENTS.map(([type, meaning]) => (
          <div class="event-choice" key={type}>
            <input
              id={`${id}-event-${type}`}
              type="checkbox"
              class="box"
              checked={fields.eventTypes.includes(type)}
              aria-describedby={`${id}-event-${type}-hint`}
              onChange={(e) => toggle(type, e.currentTarget.checked)}
            />
            <label for={`${id}-event-${type}`}>
              <code>{type}</code>
            </label>
            <span id={`${id}-event-${type}-hint`} class="muted small">
              {meaning}
            </span>
          </div>
        ))}
        {problems.eventTypes && (
          <p id={`${id}-events-problem`} class="error small">
            {problems.eventTypes}
          </p>
        )}
      </fieldset>
      {problems.form && <Failure message={problems.form} />}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? props.busyLabel : props.submitLabel}
        </button>
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
