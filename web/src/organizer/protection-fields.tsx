// The poll form's ballot-stuffing settings (docs/polls.md, "Ballot stuffing"): how many votes one
// network address may send per minute and per hour, device tokens, and proof of work. They may
// change while a poll takes votes: an organizer who sees stuffing tightens them at once.
import { DEFAULT_PROTECTION, MAX_PROOF_OF_WORK } from '@canvass/contracts/poll-defaults';
import type { PollSettings } from './model.ts';

const WORK_LEVELS: [number, string][] = [
  [0, 'Off'],
  [12, 'Light (a blink on a phone)'],
  [16, 'Medium (about a second on a phone)'],
  [20, 'Strong (several seconds on a phone)'],
];

function Limit(props: {
  id: string;
  label: string;
  value: number;
  max: number;
  onChange(value: number): void;
}) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="number"
        min={0}
        max={props.max}
        value={props.value}
        onInput={(e) => {
          const value = Number(e.currentTarget.value);
          if (Number.isInteger(value)) props.onChange(Math.min(props.max, Math.max(0, value)));
        }}
      />
    </div>
  );
}

export function ProtectionFields({
  settings,
  onChange,
}: {
  settings: PollSettings;
  onChange(change: Partial<PollSettings>): void;
}) {
  const perMinute = settings.votesPerAddressPerMinute ?? DEFAULT_PROTECTION.votesPerAddressPerMinute;
  const perHour = settings.votesPerAddressPerHour ?? DEFAULT_PROTECTION.votesPerAddressPerHour;
  const work = settings.proofOfWork ?? 0;
  const tokens = settings.voters !== 'signed_in';
  return (
    <fieldset>
      <legend>Ballot stuffing</legend>
      <p class="muted small">
        Votes one network address may send (0: no limit). A room on one Wi-Fi shares an address: allow at
        least as many as the people in it.
      </p>
      <div class="pair">
        <Limit
          id="votes-per-minute"
          label="Votes per address per minute"
          value={perMinute}
          max={100_000}
          onChange={(value) => onChange({ votesPerAddressPerMinute: value })}
        />
        <Limit
          id="votes-per-hour"
          label="Votes per address per hour"
          value={perHour}
          max={1_000_000}
          onChange={(value) => onChange({ votesPerAddressPerHour: value })}
        />
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={settings.deviceToken === true}
          disabled={!tokens}
          onChange={(e) => onChange({ deviceToken: e.currentTarget.checked })}
        />
        Each device asks Canvass for a device token before voting
      </label>
      <label for="proof-of-work">Device check before each vote (proof of work)</label>
      <select
        id="proof-of-work"
        value={String(work)}
        disabled={!tokens}
        onChange={(e) =>
          onChange({ proofOfWork: Math.min(MAX_PROOF_OF_WORK, Number(e.currentTarget.value)) })
        }
      >
        {WORK_LEVELS.some(([bits]) => bits === work) ? null : (
          <option value={String(work)}>{work} bits</option>
        )}
        {WORK_LEVELS.map(([bits, label]) => (
          <option key={bits} value={String(bits)}>
            {label}
          </option>
        ))}
      </select>
      {!tokens && (
        <p class="muted small">Signed-in voters are known by their account: these checks are not needed.</p>
      )}
    </fieldset>
  );
}
