/** Durable consumer names: the broker and the inbox track progress by them, so never rename one. */
export const TALLIES_CONSUMER = 'analytics-tallies';
