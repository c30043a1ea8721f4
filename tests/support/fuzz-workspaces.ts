// Two workspaces for the held-up checks (tests/security/held.test.ts): Alice's, to act from, with
// an API key of every scope; and Bob's, to reach for: a key, a poll with hidden results and an
// access code, and an open-text poll whose answer waits for moderation, each with a vote.

import assert from 'node:assert/strict';
import { ALL_SCOPES } from '@canvass/service-kit';
import { onPlan } from './entitlements.ts';
import type { Person, SecurityPlatform } from './fuzz-platform.ts';

export interface TwoWorkspaces {
  /** Owns workspace A. */
  alice: Person;
  /** Owns workspace B: what Alice must not reach. */
  bob: Person;
  aliceKey: string;
  bobKey: { id: string; key: string };
  bobPoll: { id: string; options: { id: string }[] };
  bobText: { id: string; voteId: string };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function twoWorkspaces(security: SecurityPlatform): Promise<TwoWorkspaces> {
  const { api } = security;
  const alice = await security.person('Alice');
  const bob = await security.person('Bob');
  // Room for the keys, members and polls these checks make (quotas are tested in
  // tests/embedded/entitlements.test.ts).
  await onPlan(security.platform, alice.home, 'business');
  await onPlan(security.platform, bob.home, 'business');
  const made = await api('POST', '/api/v1/api-keys', {
    headers: bearer(alice.token),
    body: { name: 'alice', scopes: ALL_SCOPES },
  });
  assert.equal(made.status, 201);
  const bobs = await api('POST', '/api/v1/api-keys', {
    headers: bearer(bob.token),
    body: { name: 'bob', scopes: ['api-keys:manage', 'polls:read'] },
  });
  assert.equal(bobs.status, 201);
  const poll = await api('POST', '/api/v1/polls', {
    headers: bearer(bob.token),
    body: {
      question: "Bob's secret poll?",
      options: [{ label: 'Yes' }, { label: 'No' }],
      settings: { resultsVisibility: 'hidden' },
      accessCode: 'bobs-code-42',
    },
  });
  assert.equal(poll.status, 201, JSON.stringify(poll.body));
  const text = await api('POST', '/api/v1/polls', {
    headers: bearer(bob.token),
    body: { question: 'Tell Bob', type: 'open_text', settings: { moderation: true } },
  });
  assert.equal(text.status, 201);
  for (const [pollId, ballot] of [
    [poll.body.id, { optionIds: [poll.body.options[0].id] }],
    [text.body.id, { text: 'for Bob only' }],
  ] as const) {
    const voted = await api('POST', `/api/v1/polls/${pollId}/votes`, {
      headers: { 'voter-token': `held-${crypto.randomUUID()}` },
      body: ballot,
    });
    assert.equal(voted.status, 201);
  }
  const answers = await api('GET', `/api/v1/polls/${text.body.id}/answers`, { headers: bearer(bob.token) });
  assert.equal(answers.status, 200);
  return {
    alice,
    bob,
    aliceKey: made.body.key,
    bobKey: bobs.body,
    bobPoll: poll.body,
    bobText: { id: text.body.id, voteId: answers.body.answers[0].voteId },
  };
}
