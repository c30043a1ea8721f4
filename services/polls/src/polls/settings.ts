// A poll's settings: defaults by type (shared with analytics and the web app, so they live in
// contracts), and the rules that make a combination valid, used when a poll is created and edited.
import type { PollSettings } from '@canvass/contracts';
import { repeatedLabel } from '@canvass/contracts/poll-limits';
import { HttpProblem } from '@canvass/service-kit';
import type { StoredPoll } from './poll-store.ts';

export { defaultSettings } from '@canvass/contracts/poll-defaults';

/** Types whose ballots pick among the poll's options. */
export const hasOptions = (type: StoredPoll['type']) =>
  type === 'single_choice' || type === 'multiple_choice' || type === 'ranking';

const invalid = (detail: string, field: string) =>
  new HttpProblem(422, 'invalid-poll', 'This poll cannot be set up that way', detail, {
    errors: [{ in: 'body', field, message: detail }],
  });

/**
 * Refuses a poll whose options repeat one another (by words, whatever the case and spacing): a
 * voter could not tell them apart. 400, as any other malformed list of options is.
 */
export function checkDistinctOptions(options: readonly { label: string }[]): void {
  const repeated = repeatedLabel(options.map((option) => option.label));
  if (!repeated) return;
  const detail = `Each option must be different: option ${repeated.again + 1} (“${repeated.label}”) repeats option ${repeated.first + 1}.`;
  throw new HttpProblem(400, 'duplicate-options', 'Two options are the same', detail, {
    errors: [{ in: 'body', field: `/options/${repeated.again}/label`, message: 'repeats an earlier option' }],
  });
}

/** Checks that options, settings and access code fit the poll type; throws 422 naming the field. */
export function checkPollShape(poll: {
  type: StoredPoll['type'];
  options: readonly unknown[];
  settings: PollSettings;
  accessCode: string | null;
  opensAt: Date | null;
  closesAt: Date | null;
}): void {
  const { type, settings } = poll;
  if (hasOptions(type) && poll.options.length < 2)
    throw invalid(`A ${type} poll needs at least two options.`, '/options');
  if (!hasOptions(type) && poll.options.length > 0)
    throw invalid(`A ${type} poll has no options; leave them out.`, '/options');
  if (type === 'multiple_choice') {
    if (settings.minSelections > settings.maxSelections)
      throw invalid('minSelections cannot exceed maxSelections.', '/settings/minSelections');
    if (settings.maxSelections > poll.options.length)
      throw invalid('maxSelections cannot exceed the number of options.', '/settings/maxSelections');
  }
  if (type === 'rating' && settings.scaleMin >= settings.scaleMax)
    throw invalid('scaleMin must be below scaleMax.', '/settings/scaleMin');
  if (type === 'nps' && (settings.scaleMin !== 0 || settings.scaleMax !== 10))
    throw invalid('An NPS poll always runs from 0 to 10.', '/settings/scaleMax');
  if (settings.voters === 'access_code' && !poll.accessCode)
    throw invalid('The access_code voter policy needs an accessCode.', '/accessCode');
  if (poll.opensAt && poll.closesAt && poll.closesAt <= poll.opensAt)
    throw invalid('closesAt must come after opensAt.', '/closesAt');
}
