// A refused request's field errors (`errors` of a 400 invalid-request problem, written for
// programs: `/question: must not have more than 300 characters`) in words for people: which
// field, and what to do. Anything this does not recognise reads as a plain generic sentence, never
// as the validator's output.

export interface FieldError {
  field: string;
  message: string;
}

const FIELDS: [RegExp, (match: RegExpExecArray) => string][] = [
  [/^\/question$/, () => 'The question'],
  [/^\/options\/(\d+)(\/label)?$/, (m) => `Option ${Number(m[1]) + 1}`],
  [/^\/options$/, () => 'The list of options'],
  [/^\/accessCode$/, () => 'The access code'],
  [/^\/text$/, () => 'Your answer'],
  [/^\/settings\/scaleMin$/, () => 'The lowest value of the scale'],
  [/^\/settings\/scaleMax$/, () => 'The highest value of the scale'],
  [/^\/settings\/minSelections$/, () => 'The fewest choices'],
  [/^\/settings\/maxSelections$/, () => 'The most choices'],
  [/^\/settings\/votesPerAddressPerMinute$/, () => 'Votes per address per minute'],
  [/^\/settings\/votesPerAddressPerHour$/, () => 'Votes per address per hour'],
  [/^\/settings\/proofOfWork$/, () => 'The proof of work'],
  [/^\/(opensAt|closesAt)$/, (m) => (m[1] === 'opensAt' ? 'The opening time' : 'The closing time')],
  [/^\/name$/, () => 'The name'],
  [/^\/email$/, () => 'The e-mail address'],
  [/^\/(password|newPassword|currentPassword)$/, () => 'The password'],
  [/^\/url$/, () => 'The address'],
];

function fieldName(pointer: string): string {
  for (const [pattern, name] of FIELDS) {
    const match = pattern.exec(pointer);
    if (match) return name(match);
  }
  return 'One of the values';
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function problemOf(message: string): string {
  let m = /must not have more than (\d+) characters/.exec(message);
  if (m) return `is too long: at most ${plural(Number(m[1]), 'character')}.`;
  m = /must not have fewer than (\d+) characters/.exec(message);
  if (m)
    return Number(m[1]) <= 1
      ? 'is empty: fill it in.'
      : `is too short: at least ${plural(Number(m[1]), 'character')}.`;
  m = /must not have more than (\d+) items/.exec(message);
  if (m) return `has too many entries: at most ${m[1]}.`;
  m = /must not have fewer than (\d+) items/.exec(message);
  if (m) return `needs at least ${m[1]} entries.`;
  m = /must be <=? (-?\d+)/.exec(message);
  if (m) return `must be at most ${m[1]}.`;
  m = /must be >=? (-?\d+)/.exec(message);
  if (m) return `must be at least ${m[1]}.`;
  if (/format "email"/.test(message)) return 'is not an e-mail address.';
  if (/format "date-time"/.test(message)) return 'is not a date and time.';
  if (/format "uri"/.test(message)) return 'is not a web address.';
  return 'is not valid.';
}

/** Words for the first field error a person can act on; null when there is none. */
export function fieldErrorWords(errors: unknown): string | null {
  if (!Array.isArray(errors)) return null;
  const usable = (errors as FieldError[]).filter(
    (error) => typeof error?.field === 'string' && typeof error.message === 'string' && error.field !== '',
  );
  const first = usable[0];
  if (!first) return null;
  return `${fieldName(first.field)} ${problemOf(first.message)}`;
}
