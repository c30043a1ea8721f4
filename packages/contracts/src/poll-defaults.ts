// The settings a poll gets where its creator leaves them out, by poll type. The polls service
// stores them, analytics upcasts v1 polls to them, and the web app's ballots and editor start from
// them. No imports: the web app imports this file (`@canvass/contracts/poll-defaults`) without
// pulling the schemas in, so the settings' shape is spelled out here as `PollSettings` has it.

/** How a poll takes votes and shows results: the `PollSettings` schema of polls-events.ts. */
export interface PollSettings {
  voters: 'anonymous' | 'signed_in' | 'access_code';
  allowVoteChange: boolean;
  resultsVisibility: 'live' | 'after_vote' | 'after_close' | 'hidden';
  minSelections: number;
  maxSelections: number;
  scaleMin: number;
  scaleMax: number;
  moderation: boolean;
}

/**
 * The defaults for a poll of `type` (`single_choice`, `nps`, …) with `optionCount` options: anyone
 * votes once, results live; multiple_choice may pick every option, nps runs 0 to 10, open_text
 * answers wait for moderation.
 */
export function defaultSettings(type: string, optionCount: number): PollSettings {
  const nps = type === 'nps';
  return {
    voters: 'anonymous',
    allowVoteChange: false,
    resultsVisibility: 'live',
    minSelections: 1,
    maxSelections: type === 'multiple_choice' ? Math.max(1, optionCount) : 1,
    scaleMin: nps ? 0 : 1,
    scaleMax: nps ? 10 : 5,
    moderation: type === 'open_text',
  };
}
