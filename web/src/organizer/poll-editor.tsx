// `/app/polls/new` and `/app/polls/<id>/edit`: one form for every poll type, with the voter's
// view beside it as it is typed. Once a poll has votes its options and voting rules are frozen
// (the API says so with 409 poll-has-votes), and the form shows them locked, saying why; the
// question, results visibility and ballot-stuffing settings still change. Numbers are never
// clamped behind the organizer's back: one out of range is marked and refused with a reason.

import { defaultSettings } from '@canvass/contracts/poll-defaults';
import { POLL_LIMITS } from '@canvass/contracts/poll-limits';
import { useState } from 'preact/hooks';
import { pollPath } from '../api.ts';
import { type OptionRow, OptionRows, optionRow, optionsProblem } from '../fields.tsx';
import { navigate } from '../router.ts';
import { api } from './auth.ts';
import type { OrganizerPoll, PollSettings } from './model.ts';
import { PollPreview } from './poll-preview.tsx';
import { ProtectionFields } from './protection-fields.tsx';
import { Failure, Link, messageOf, TYPE_LABELS } from './ui.tsx';

type PollType = keyof typeof TYPE_LABELS;
const WITH_OPTIONS = new Set(['single_choice', 'multiple_choice', 'ranking']);
const TYPE_HINTS: Record<string, string> = {
  single_choice: 'Voters pick one option.',
  multiple_choice: 'Voters pick several options.',
  rating: 'Voters rate on a scale, e.g. 1 to 5 stars.',
  nps: 'How likely, from 0 to 10, to recommend: the Net Promoter Score.',
  ranking: 'Voters put the options in order.',
  open_text: 'Voters answer in their own words; a word cloud builds up.',
};

export interface Draft {
  question: string;
  type: PollType;
  options: OptionRow[];
  settings: PollSettings;
  /**
   * multiple_choice: whether the organizer set the most choices. Until then it follows the number
   * of options (voters may pick every one), instead of a number nobody chose.
   */
  maxChosen: boolean;
  accessCode: string;
  opensAt: string;
  closesAt: string;
}

/** `datetime-local` wants local time without a zone. */
const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocalInput = (value: string) => (value ? new Date(value).toISOString() : null);

function draftOf(poll: OrganizerPoll | null): Draft {
  if (!poll) {
    return {
      question: '',
      type: 'single_choice',
      options: [optionRow(), optionRow()],
      settings: defaultSettings('single_choice', 2),
      maxChosen: false,
      accessCode: '',
      opensAt: '',
      closesAt: '',
    };
  }
  return {
    question: poll.question,
    type: poll.type as PollType,
    options: poll.options.map((option) => optionRow(option.label)),
    settings: poll.settings,
    maxChosen: poll.settings.maxSelections !== poll.options.length,
    accessCode: poll.accessCode ?? '',
    opensAt: toLocalInput(poll.opensAt),
    closesAt: toLocalInput(poll.closesAt),
  };
}

/** The settings that matter for the type (the API fills in the rest). */
function settingsFor(draft: Draft): Partial<PollSettings> {
  const { settings, type } = draft;
  const common = {
    voters: settings.voters,
    allowVoteChange: settings.allowVoteChange,
    resultsVisibility: settings.resultsVisibility,
    votesPerAddressPerMinute: settings.votesPerAddressPerMinute,
    votesPerAddressPerHour: settings.votesPerAddressPerHour,
    deviceToken: settings.deviceToken,
    proofOfWork: settings.proofOfWork,
  };
  if (type === 'multiple_choice')
    return { ...common, minSelections: settings.minSelections, maxSelections: maxSelectionsOf(draft) };
  if (type === 'rating') return { ...common, scaleMin: settings.scaleMin, scaleMax: settings.scaleMax };
  if (type === 'open_text') return { ...common, moderation: settings.moderation };
  return common;
}

/** Options with words in them: what the poll will have. */
const filledOptions = (draft: Draft) => draft.options.filter((o) => o.label.trim()).length;

/** The most choices: the organizer's number, or every option while they have not chosen one. */
const maxSelectionsOf = (draft: Draft) =>
  draft.maxChosen ? draft.settings.maxSelections : Math.max(1, filledOptions(draft));

const SCALE = `from ${POLL_LIMITS.scaleMin} to ${POLL_LIMITS.scaleMax}`;
const inScale = (value: number) =>
  Number.isInteger(value) && value >= POLL_LIMITS.scaleMin && value <= POLL_LIMITS.scaleMax;

function check(draft: Draft): string | null {
  if (!draft.question.trim()) return 'Write the question first.';
  if (WITH_OPTIONS.has(draft.type)) {
    const problem = optionsProblem(draft.options);
    if (problem) return problem;
  }
  if (draft.type === 'multiple_choice') {
    const labels = filledOptions(draft);
    const { minSelections } = draft.settings;
    const maxSelections = maxSelectionsOf(draft);
    if (!Number.isInteger(minSelections) || minSelections < 1)
      return 'Voters must pick at least one option: make the fewest choices 1 or more.';
    if (!Number.isInteger(maxSelections) || maxSelections < 1) return 'The most choices must be 1 or more.';
    if (minSelections > maxSelections) return 'The fewest choices cannot be more than the most.';
    if (maxSelections > labels) return `Voters cannot pick more than the ${labels} options there are.`;
  }
  if (draft.type === 'rating') {
    const { scaleMin, scaleMax } = draft.settings;
    if (!inScale(scaleMin) || !inScale(scaleMax))
      return `A rating scale runs ${SCALE} at most: ${inScale(scaleMin) ? scaleMax : scaleMin} is outside it.`;
    if (scaleMin >= scaleMax) return 'The scale must go up: its lowest value below its highest.';
  }
  if (draft.settings.voters === 'access_code' && draft.accessCode.trim().length < 4)
    return 'Give an access code of at least 4 characters, or let anyone vote.';
  if (draft.opensAt && draft.closesAt && new Date(draft.closesAt) <= new Date(draft.opensAt))
    return 'The poll must close after it opens.';
  return null;
}

/**
 * A new poll from an existing one (Duplicate): its question, type, options and settings, but no
 * schedule (the old times have mostly passed); the organizer changes what they like, then saves.
 */
function copyOf(template: OrganizerPoll): Draft {
  return { ...draftOf(template), opensAt: '', closesAt: '' };
}

export function PollEditor({
  poll,
  hasVotes = false,
  template,
}: {
  poll: OrganizerPoll | null;
  hasVotes?: boolean;
  /** For a new poll: the poll it copies. */
  template?: OrganizerPoll;
}) {
  const [original] = useState<Draft>(() => (!poll && template ? copyOf(template) : draftOf(poll)));
  const [draft, setDraft] = useState<Draft>(original);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const editing = poll !== null;
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const setSetting = (change: Partial<PollSettings>) =>
    setDraft((d) => ({ ...d, settings: { ...d.settings, ...change } }));
  // A new type starts from its own defaults; who votes and who sees results stay as chosen.
  const setType = (type: PollType) =>
    setDraft((d) => ({
      ...d,
      type,
      settings: {
        ...defaultSettings(type, d.options.length),
        voters: d.settings.voters,
        allowVoteChange: d.settings.allowVoteChange,
        resultsVisibility: d.settings.resultsVisibility,
        votesPerAddressPerMinute: d.settings.votesPerAddressPerMinute,
        votesPerAddressPerHour: d.settings.votesPerAddressPerHour,
        deviceToken: d.settings.deviceToken,
        proofOfWork: d.settings.proofOfWork,
      },
    }));

  async function save(status: 'draft' | 'open') {
    setError(null);
    const problem = check(draft);
    if (problem) return setError(problem);
    const options = WITH_OPTIONS.has(draft.type)
      ? draft.options.map((o) => ({ label: o.label.trim() })).filter((o) => o.label)
      : undefined;
    const body = {
      question: draft.question.trim(),
      ...(options ? { options } : {}),
      settings: settingsFor(draft),
      ...(draft.settings.voters === 'access_code' ? { accessCode: draft.accessCode.trim() } : {}),
      // Times go only when they changed: the inputs hold minutes, the poll may hold seconds.
      ...(draft.opensAt !== original.opensAt ? { opensAt: fromLocalInput(draft.opensAt) } : {}),
      ...(draft.closesAt !== original.closesAt ? { closesAt: fromLocalInput(draft.closesAt) } : {}),
    };
    setBusy(true);
    try {
      const saved = editing
        ? await api<OrganizerPoll>('PATCH', pollPath(poll.id), {
            ...body,
            ...(draft.settings.voters === 'access_code' ? {} : { accessCode: null }),
          })
        : await api<OrganizerPoll>('POST', '/api/v1/polls', { ...body, type: draft.type, status });
      navigate(`/app/polls/${encodeURIComponent(saved.id)}`);
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  const hasOptions = WITH_OPTIONS.has(draft.type);
  // Locked once votes exist: what a vote means (options, how many to pick, the scale, who votes).
  const locked = editing && hasVotes;
  return (
    <>
      <p class="crumbs">
        <Link href={editing ? `/app/polls/${encodeURIComponent(poll.id)}` : '/app'}>← Back</Link>
      </p>
      <h1>{editing ? 'Edit the poll' : 'New poll'}</h1>
      {!editing && template && (
        <p class="muted">
          A copy of “{template.question}”, with its options and settings. Change what you like; nothing is
          created until you save, and the original stays as it is.
        </p>
      )}
      <div class="editor">
        <form
          class="editor-form"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            save(draft.opensAt ? 'draft' : 'open');
          }}
        >
          <label for="question">Question</label>
          <input
            id="question"
            value={draft.question}
            maxLength={POLL_LIMITS.question}
            placeholder="What should we ask?"
            onInput={(e) => set({ question: e.currentTarget.value })}
          />

          <fieldset disabled={editing}>
            <legend>Poll type</legend>
            <div class="type-grid">
              {Object.entries(TYPE_LABELS).map(([type, label]) => (
                <label key={type} class={draft.type === type ? 'type-card chosen' : 'type-card'}>
                  <input
                    type="radio"
                    name="type"
                    value={type}
                    checked={draft.type === type}
                    onChange={() => setType(type)}
                  />
                  <span class="type-name">{label}</span>
                  <span class="muted small">{TYPE_HINTS[type]}</span>
                </label>
              ))}
            </div>
            {editing && <p class="muted small">The type of a poll stays as it was created.</p>}
          </fieldset>

          {locked && (
            <p class="callout" id="locked-note">
              This poll has votes, so its options and voting rules are locked: changing them would change what
              those votes mean. The question, who sees the results and the protections can still change.
            </p>
          )}
          <fieldset class="rules" disabled={locked} aria-describedby={locked ? 'locked-note' : undefined}>
            {hasOptions && <OptionRows rows={draft.options} onChange={(options) => set({ options })} />}

            {draft.type === 'multiple_choice' && (
              <div class="pair">
                <NumberField
                  id="min-selections"
                  label="Fewest choices"
                  min={1}
                  max={POLL_LIMITS.maxOptions}
                  value={draft.settings.minSelections}
                  onChange={(minSelections) => setSetting({ minSelections })}
                />
                <NumberField
                  id="max-selections"
                  label="Most choices"
                  min={1}
                  max={POLL_LIMITS.maxOptions}
                  value={maxSelectionsOf(draft)}
                  onChange={(maxSelections) => {
                    set({ maxChosen: true });
                    setSetting({ maxSelections });
                  }}
                />
              </div>
            )}
            {draft.type === 'rating' && (
              <div class="pair">
                <NumberField
                  id="scale-min"
                  label="Scale from"
                  min={POLL_LIMITS.scaleMin}
                  max={POLL_LIMITS.scaleMax - 1}
                  value={draft.settings.scaleMin}
                  onChange={(scaleMin) => setSetting({ scaleMin })}
                />
                <NumberField
                  id="scale-max"
                  label="to"
                  min={POLL_LIMITS.scaleMin + 1}
                  max={POLL_LIMITS.scaleMax}
                  value={draft.settings.scaleMax}
                  onChange={(scaleMax) => setSetting({ scaleMax })}
                />
              </div>
            )}
            {draft.type === 'open_text' && (
              <label class="check">
                <input
                  type="checkbox"
                  checked={draft.settings.moderation}
                  onChange={(e) => setSetting({ moderation: e.currentTarget.checked })}
                />
                Show answers only after I approve them
              </label>
            )}

            <label for="voters">Who can vote</label>
            <select
              id="voters"
              value={draft.settings.voters}
              onChange={(e) => setSetting({ voters: e.currentTarget.value as PollSettings['voters'] })}
            >
              <option value="anonymous">Anyone with the link (one vote per device)</option>
              <option value="access_code">Anyone with the link and an access code</option>
              <option value="signed_in">Only people signed in to Canvass</option>
            </select>
            {draft.settings.voters === 'access_code' && (
              <>
                <label for="access-code">Access code</label>
                <input
                  id="access-code"
                  value={draft.accessCode}
                  maxLength={POLL_LIMITS.accessCodeMax}
                  onInput={(e) => set({ accessCode: e.currentTarget.value })}
                />
              </>
            )}
          </fieldset>

          <label for="visibility">Who sees the results</label>
          <select
            id="visibility"
            value={draft.settings.resultsVisibility}
            onChange={(e) =>
              setSetting({ resultsVisibility: e.currentTarget.value as PollSettings['resultsVisibility'] })
            }
          >
            <option value="live">Everyone, live</option>
            <option value="after_vote">Voters, once they have voted</option>
            <option value="after_close">Everyone, once the poll closes</option>
            <option value="hidden">Only organizers</option>
          </select>

          <label class="check">
            <input
              type="checkbox"
              checked={draft.settings.allowVoteChange}
              disabled={locked}
              onChange={(e) => setSetting({ allowVoteChange: e.currentTarget.checked })}
            />
            Voters may change or withdraw their vote while the poll is open
          </label>

          <ProtectionFields settings={draft.settings} onChange={setSetting} />

          <fieldset>
            <legend>Schedule (optional)</legend>
            <div class="pair">
              <div>
                <label for="opens-at">Opens</label>
                <input
                  id="opens-at"
                  type="datetime-local"
                  value={draft.opensAt}
                  onInput={(e) => set({ opensAt: e.currentTarget.value })}
                />
              </div>
              <div>
                <label for="closes-at">Closes</label>
                <input
                  id="closes-at"
                  type="datetime-local"
                  value={draft.closesAt}
                  onInput={(e) => set({ closesAt: e.currentTarget.value })}
                />
              </div>
            </div>
          </fieldset>

          {error && <Failure message={error} />}
          <div class="actions">
            {editing ? (
              <button type="button" class="primary" disabled={busy} onClick={() => save('draft')}>
                {busy ? 'Saving…' : 'Save changes'}
              </button>
            ) : draft.opensAt ? (
              <button type="button" class="primary" disabled={busy} onClick={() => save('draft')}>
                {busy ? 'Saving…' : 'Schedule'}
              </button>
            ) : (
              <>
                <button type="button" class="primary" disabled={busy} onClick={() => save('open')}>
                  {busy ? 'Saving…' : 'Open for voting'}
                </button>
                <button type="button" disabled={busy} onClick={() => save('draft')}>
                  Save as draft
                </button>
              </>
            )}
          </div>
        </form>
        <aside class="preview" aria-label="Preview">
          <p class="muted small">What voters see</p>
          <PollPreview draft={draft} />
        </aside>
      </div>
    </>
  );
}

function NumberField(props: {
  id: string;
  label: string;
  min: number;
  max: number;
  value: number;
  onChange(value: number): void;
}) {
  const outside = !Number.isInteger(props.value) || props.value < props.min || props.value > props.max;
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="number"
        min={props.min}
        max={props.max}
        value={props.value}
        aria-invalid={outside ? true : undefined}
        onInput={(e) => {
          // Kept as typed, even out of range: the form says what is wrong rather than change it.
          const value = e.currentTarget.valueAsNumber;
          if (!Number.isNaN(value)) props.onChange(value);
        }}
      />
    </div>
  );
}
