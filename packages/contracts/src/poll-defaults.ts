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
  /** Votes one address may send to this poll per minute (0: no limit). Polls made before it: the default. */
  votesPerAddressPerMinute?: number;
  /** Votes one address may send to this poll per hour (0: no limit). */
  votesPerAddressPerHour?: number;
  /** Voter tokens must carry a device token Canvass issued for them (POST …/device-token). */
  deviceToken?: boolean;
  /** Leading zero bits a proof of work must have (GET …/challenge); 0: none asked. */
  proofOfWork?: number;
}

/** The anti-stuffing settings, each poll type alike (docs/polls.md, "Ballot stuffing"). */
export type PollProtection = Required<
  Pick<PollSettings, 'votesPerAddressPerMinute' | 'votesPerAddressPerHour' | 'deviceToken' | 'proofOfWork'>
>;

/**
 * What a poll made without saying gets: a room of 300 behind one address votes within a minute,
 * a thousand within the hour; a script on one address gets no further. Device tokens and proof of
 * work cost every voter something, so organizers turn them on.
 */
export const DEFAULT_PROTECTION: PollProtection = {
  votesPerAddressPerMinute: 300,
  votesPerAddressPerHour: 1_000,
  deviceToken: false,
  proofOfWork: 0,
};

/** The hardest proof of work a poll may ask: about 16 million hashes, minutes on a phone. */
export const MAX_PROOF_OF_WORK = 24;

/**
 * The defaults for a poll of `type` (`single_choice`, `nps`, …) with `optionCount` options: anyone
 * votes once, results live; multiple_choice may pick every option, nps runs 0 to 10, open_text
 * answers wait for moderation.
 */
export function defaultSettings(type: string, optionCount: number): Required<PollSettings> {
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
    ...DEFAULT_PROTECTION,
  };
}
