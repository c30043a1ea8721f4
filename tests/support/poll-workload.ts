// A day of polls in a few seconds, for ordering tests: polls of every type are created, edited,
// voted on, changed, withdrawn, moderated and closed, the operations of different polls
// interleaved at random (seeded) and sent a few at a time. Talks to the polls service directly
// (guest polls, manage tokens), so it needs no gateway or identity.
import assert from 'node:assert/strict';
import type { Api } from './api.ts';

export const POLL_TYPES = [
  'single_choice',
  'multiple_choice',
  'rating',
  'nps',
  'ranking',
  'open_text',
] as const;

export interface WorkloadPoll {
  id: string;
  type: string;
  manageToken: string;
  options: { id: string }[];
}

/** A small seeded generator (mulberry32): the same seed gives the same workload. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ballot(poll: WorkloadPoll, next: () => number): Record<string, unknown> {
  const pick = () => poll.options[Math.floor(next() * poll.options.length)]!.id;
  switch (poll.type) {
    case 'single_choice':
      return { optionIds: [pick()] };
    case 'multiple_choice':
      return { optionIds: [...new Set([pick(), pick()])] };
    case 'rating':
      return { rating: 1 + Math.floor(next() * 5) };
    case 'nps':
      return { rating: Math.floor(next() * 11) };
    case 'ranking':
      return { ranking: poll.options.map((o) => o.id).sort(() => next() - 0.5) };
    default:
      return {
        text: `answer ${Math.floor(next() * 1000)} about ${['lunch', 'talks', 'coffee'][Math.floor(next() * 3)]}`,
      };
  }
}

async function createPolls(api: Api, pollsPerType: number): Promise<WorkloadPoll[]> {
  const polls: WorkloadPoll[] = [];
  for (const type of POLL_TYPES) {
    for (let i = 0; i < pollsPerType; i++) {
      const options = ['rating', 'nps', 'open_text'].includes(type)
        ? []
        : [{ label: 'Red' }, { label: 'Green' }, { label: 'Blue' }];
      const created = await api('POST', '/api/v1/polls', {
        body: {
          question: `Ordering ${type} ${i}?`,
          type,
          ...(options.length > 0 ? { options } : {}),
          settings: { allowVoteChange: true, ...(type === 'open_text' ? { moderation: i % 2 === 0 } : {}) },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      polls.push({
        id: created.body.id,
        type,
        manageToken: created.body.manageToken,
        options: created.body.options,
      });
    }
  }
  return polls;
}

/**
 * Runs the workload; returns the polls. `votersPerPoll` voters each vote, some change their vote,
 * some withdraw it; open-text answers are approved or rejected; every poll's question is edited;
 * half the polls are closed at the end.
 */
export async function runPollWorkload(
  api: Api,
  options: { seed: number; pollsPerType?: number; votersPerPoll?: number; concurrency?: number },
): Promise<WorkloadPoll[]> {
  const next = seeded(options.seed);
  const polls = await createPolls(api, options.pollsPerType ?? 2);
  const voters = options.votersPerPoll ?? 12;
  const steps: (() => Promise<void>)[] = [];
  for (const poll of polls) {
    const manage = { 'manage-token': poll.manageToken };
    const mine = (voter: number) => ({ 'voter-token': `ordering-${options.seed}-${poll.id}-${voter}` });
    steps.push(async () => {
      const edited = await api('PATCH', `/api/v1/polls/${poll.id}`, {
        headers: manage,
        body: { question: `Edited ${poll.type}?` },
      });
      assert.equal(edited.status, 200, JSON.stringify(edited.body));
    });
    for (let voter = 0; voter < voters; voter++) {
      const action = next();
      steps.push(async () => {
        const cast = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
          headers: mine(voter),
          body: ballot(poll, next),
        });
        assert.equal(cast.status, 201, JSON.stringify(cast.body));
        if (action < 0.25) {
          const changed = await api('POST', `/api/v1/polls/${poll.id}/votes`, {
            headers: mine(voter),
            body: ballot(poll, next),
          });
          assert.equal(changed.status, 201, JSON.stringify(changed.body));
        } else if (action < 0.4) {
          const withdrawn = await api('DELETE', `/api/v1/polls/${poll.id}/votes/mine`, {
            headers: mine(voter),
          });
          assert.equal(withdrawn.status, 204, JSON.stringify(withdrawn.body));
        }
      });
    }
  }
  // Different polls' operations interleave; one poll's stay in the order they were made.
  const queue = steps.map((step, i) => ({ step, key: next(), i }));
  const perPoll = new Map<number, (() => Promise<void>)[]>();
  for (const { step, i } of queue) {
    const owner = Math.floor(i / (voters + 1));
    perPoll.set(owner, [...(perPoll.get(owner) ?? []), step]);
  }
  const lanes = [...perPoll.values()];
  const concurrency = options.concurrency ?? 6;
  while (lanes.some((lane) => lane.length > 0)) {
    const picked = lanes
      .filter((lane) => lane.length > 0)
      .sort(() => next() - 0.5)
      .slice(0, concurrency);
    await Promise.all(picked.map((lane) => lane.shift()!()));
  }
  for (const poll of polls.filter((p) => p.type === 'open_text')) {
    const manage = { 'manage-token': poll.manageToken };
    const answers = await api('GET', `/api/v1/polls/${poll.id}/answers`, { headers: manage });
    assert.equal(answers.status, 200, JSON.stringify(answers.body));
    for (const answer of answers.body.answers as { voteId: string }[]) {
      const decided = await api('POST', `/api/v1/polls/${poll.id}/answers/${answer.voteId}`, {
        headers: manage,
        body: { decision: next() < 0.7 ? 'approved' : 'rejected' },
      });
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
    }
  }
  for (const [i, poll] of polls.entries()) {
    if (i % 2 === 1) continue;
    const closed = await api('POST', `/api/v1/polls/${poll.id}/close`, {
      headers: { 'manage-token': poll.manageToken },
    });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
  }
  return polls;
}
