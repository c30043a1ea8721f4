// Contract tests: every event a producer writes matches its schema, and every consumer accepts
// every version it lists. A new contract needs an example here, or this test says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CloudEvent, eventContracts, PLANS } from '@canvass/contracts';
import { defaultSettings } from '@canvass/contracts/poll-defaults';
import { createEvent, validateEvent } from '@canvass/eventing';
import { sql } from 'kysely';
import { type Api, eventually } from '../support/api.ts';
import { useEmbeddedPlatform } from '../support/embedded.ts';

const now = () => new Date().toISOString();
const examples: Record<string, () => CloudEvent> = {
  'polls.poll.created.v1': () =>
    createEvent(eventContracts.get('polls.poll.created.v1')!, {
      source: '/contract-test',
      data: {
        pollId: 'contract-poll',
        workspaceId: null,
        question: 'Contract?',
        type: 'single_choice',
        status: 'open',
        options: [{ id: 'o1', label: 'One' }],
        createdAt: now(),
      },
    }),
  'polls.poll.claimed.v1': () =>
    createEvent(eventContracts.get('polls.poll.claimed.v1')!, {
      source: '/contract-test',
      data: { pollId: 'contract-poll', workspaceId: 'w1', claimedAt: now() },
    }),
  'polls.vote.cast.v1': () =>
    createEvent(eventContracts.get('polls.vote.cast.v1')!, {
      source: '/contract-test',
      data: { pollId: 'contract-poll', voteId: crypto.randomUUID(), optionIds: ['o1'], castAt: now() },
    }),
  'polls.vote.cast.v2': () =>
    createEvent(eventContracts.get('polls.vote.cast.v2')!, {
      source: '/contract-test',
      data: {
        pollId: 'contract-poll',
        voteId: crypto.randomUUID(),
        optionIds: ['o1'],
        segment: 'embed',
        castAt: now(),
      },
    }),
  'polls.poll.created.v2': () =>
    createEvent(eventContracts.get('polls.poll.created.v2')!, {
      source: '/contract-test',
      data: {
        pollId: 'contract-poll',
        workspaceId: null,
        question: 'Contract?',
        type: 'multiple_choice',
        status: 'scheduled',
        options: [{ id: 'o1', label: 'One' }],
        settings: {
          voters: 'access_code',
          allowVoteChange: true,
          resultsVisibility: 'live',
          minSelections: 1,
          maxSelections: 2,
          scaleMin: 1,
          scaleMax: 5,
          moderation: true,
        },
        opensAt: now(),
        closesAt: null,
        createdAt: now(),
      },
    }),
  'polls.poll.updated.v1': () =>
    createEvent(eventContracts.get('polls.poll.updated.v1')!, {
      source: '/contract-test',
      data: {
        pollId: 'contract-poll',
        changes: { question: 'New?' },
        previous: { question: 'Old?' },
        status: 'open',
        by: 'u1',
        updatedAt: now(),
      },
    }),
  'polls.poll.opened.v1': () =>
    createEvent(eventContracts.get('polls.poll.opened.v1')!, {
      source: '/contract-test',
      data: { pollId: 'contract-poll', openedAt: now(), by: 'schedule' },
    }),
  'polls.poll.closed.v1': () =>
    createEvent(eventContracts.get('polls.poll.closed.v1')!, {
      source: '/contract-test',
      data: {
        pollId: 'contract-poll',
        closedAt: now(),
        by: 'u1',
        finalHead: { version: 3, hash: 'abc' },
        totals: { ballots: 2, counts: { o1: 2 } },
      },
    }),
  'polls.vote.cast.v3': () =>
    createEvent(eventContracts.get('polls.vote.cast.v3')!, {
      source: '/contract-test',
      data: {
        pollId: 'contract-poll',
        voteId: crypto.randomUUID(),
        optionIds: [],
        rating: 9,
        text: null,
        segment: null,
        receiptHash: 'h',
        castAt: now(),
      },
    }),
  'polls.vote.retracted.v1': () =>
    createEvent(eventContracts.get('polls.vote.retracted.v1')!, {
      source: '/contract-test',
      data: {
        pollId: 'contract-poll',
        voteId: crypto.randomUUID(),
        optionIds: [],
        rating: null,
        text: 'Great talk',
        segment: 'embed',
        castAt: now(),
        approved: true,
        retractedAt: now(),
      },
    }),
  'polls.answer.moderated.v1': () =>
    createEvent(eventContracts.get('polls.answer.moderated.v1')!, {
      source: '/contract-test',
      data: {
        pollId: 'contract-poll',
        voteId: 'v1',
        decision: 'approved',
        text: 'Great talk',
        moderatedAt: now(),
      },
    }),
  'analytics.results.updated.v1': () =>
    createEvent(eventContracts.get('analytics.results.updated.v1')!, {
      source: '/contract-test',
      data: {
        pollId: 'contract-poll',
        sequence: 1,
        status: 'open',
        visibility: 'live',
        public: true,
        results: { pollId: 'contract-poll', totalVotes: 0 },
      },
    }),
  'identity.user.registered.v1': () =>
    createEvent(eventContracts.get('identity.user.registered.v1')!, {
      source: '/contract-test',
      data: { userId: 'u1', registeredAt: now() },
    }),
  'identity.workspace.created.v1': () =>
    createEvent(eventContracts.get('identity.workspace.created.v1')!, {
      source: '/contract-test',
      data: { workspaceId: 'w1', name: 'Team', ownerId: 'u1', plan: 'free', createdAt: now() },
    }),
  'identity.member.changed.v1': () =>
    createEvent(eventContracts.get('identity.member.changed.v1')!, {
      source: '/contract-test',
      data: { workspaceId: 'w1', userId: 'u1', role: 'owner', changedAt: now() },
    }),
  'identity.user.registered.v2': () =>
    createEvent(eventContracts.get('identity.user.registered.v2')!, {
      source: '/contract-test',
      data: { userId: 'u1', email: 'u1@example.test', name: 'U One', registeredAt: now() },
    }),
  'identity.user.deleted.v1': () =>
    createEvent(eventContracts.get('identity.user.deleted.v1')!, {
      source: '/contract-test',
      data: { userId: 'u-gone', deletedAt: now() },
    }),
  'identity.invitation.accepted.v1': () =>
    createEvent(eventContracts.get('identity.invitation.accepted.v1')!, {
      source: '/contract-test',
      workspace: 'w1',
      data: {
        workspaceId: 'w1',
        invitationId: 'i1',
        userId: 'u2',
        role: 'editor',
        invitedBy: 'u1',
        acceptedAt: now(),
      },
    }),
  'identity.account_mail.requested.v1': () =>
    createEvent(eventContracts.get('identity.account_mail.requested.v1')!, {
      source: '/contract-test',
      data: {
        kind: 'sign-up-exists',
        to: 'u1@example.test',
        userId: 'u1',
        name: null,
        sealedLink: null,
        linkExpiresAt: null,
        workspaceName: null,
        role: null,
        inviterName: null,
      },
    }),
  'billing.entitlements.changed.v1': () =>
    createEvent(eventContracts.get('billing.entitlements.changed.v1')!, {
      source: '/contract-test',
      workspace: 'w1',
      data: { workspaceId: 'w1', plan: 'pro', quotas: PLANS.pro.quotas, version: 2, changedAt: now() },
    }),
  'billing.subscription.changed.v1': () =>
    createEvent(eventContracts.get('billing.subscription.changed.v1')!, {
      source: '/contract-test',
      workspace: 'w1',
      data: {
        workspaceId: 'w1',
        plan: 'free',
        previousPlan: 'pro',
        reason: 'cancel',
        periodEnd: null,
        changedAt: now(),
      },
    }),
  'billing.payment.succeeded.v1': () =>
    createEvent(eventContracts.get('billing.payment.succeeded.v1')!, {
      source: '/contract-test',
      workspace: 'w1',
      data: {
        workspaceId: 'w1',
        invoiceId: 'inv1',
        invoiceNumber: 'CAN-000001',
        plan: 'pro',
        amountCents: 2900,
        currency: 'usd',
        lines: [
          { description: 'Pro plan, one month', quantity: 1, unitAmountCents: 2900, amountCents: 2900 },
        ],
        periodStart: now(),
        periodEnd: now(),
        paidAt: now(),
      },
    }),
  'billing.payment.failed.v1': () =>
    createEvent(eventContracts.get('billing.payment.failed.v1')!, {
      source: '/contract-test',
      workspace: 'w1',
      data: {
        workspaceId: 'w1',
        plan: 'pro',
        reason: 'Your card was declined.',
        kind: 'upgrade',
        final: true,
        nextAttemptAt: null,
        failedAt: now(),
      },
    }),
  'billing.usage.vote_quota_reached.v1': () =>
    createEvent(eventContracts.get('billing.usage.vote_quota_reached.v1')!, {
      source: '/contract-test',
      workspace: 'w1',
      data: {
        workspaceId: 'w1',
        month: '2026-12',
        share: 0.8,
        votes: 4000,
        quota: 5000,
        plan: 'free',
        reachedAt: now(),
      },
    }),
  'region.poll.definition.v1': () =>
    createEvent(eventContracts.get('region.poll.definition.v1')!, {
      source: '/contract-test',
      partitionkey: 'eu',
      data: {
        region: 'eu',
        pollId: 'contract-region-poll',
        configVersion: 3,
        workspaceId: null,
        question: 'Contract across regions?',
        type: 'single_choice',
        status: 'open',
        options: [{ id: 'o1', label: 'One' }],
        settings: defaultSettings('single_choice', 1),
        accessCode: null,
        opensAt: null,
        closesAt: null,
        createdAt: now(),
      },
    }),
  'region.poll.deleted.v1': () =>
    createEvent(eventContracts.get('region.poll.deleted.v1')!, {
      source: '/contract-test',
      partitionkey: 'eu',
      data: { region: 'eu', pollId: 'contract-region-poll', deletedAt: now() },
    }),
  'polls.poll.deleted.v1': () =>
    createEvent(eventContracts.get('polls.poll.deleted.v1')!, {
      source: '/contract-test',
      data: { pollId: 'contract-deleted-poll', deletedAt: now(), by: 'manage-token' },
    }),
  'region.counters.v1': () =>
    createEvent(eventContracts.get('region.counters.v1')!, {
      source: '/contract-test',
      partitionkey: 'eu',
      data: {
        region: 'eu',
        pollId: 'contract-region-poll',
        counters: { '': { cast: 3, retracted: 1 }, 'v:o1': { cast: 3, retracted: 1 } },
      },
    }),
  'polls.live.stage.v1': () =>
    createEvent(eventContracts.get('polls.live.stage.v1')!, {
      source: '/contract-test',
      partitionkey: 'contract-event',
      data: {
        stage: {
          eventId: 'contract-event',
          title: 'All hands',
          joinCode: '123456',
          sequence: 2,
          screen: 'poll',
          pollId: 'contract-poll',
          position: 1,
          deckSize: 3,
          revealed: false,
          votingLockedAt: null,
          serverTime: now(),
          endsAt: now(),
          qa: { enabled: true, anonymous: true, moderation: false },
          quiz: { seconds: 20, startedAt: now(), correctOptionIds: null },
          leaderboard: null,
        },
      },
    }),
  'polls.live.questions.v1': () =>
    createEvent(eventContracts.get('polls.live.questions.v1')!, {
      source: '/contract-test',
      partitionkey: 'contract-event',
      data: {
        snapshot: {
          eventId: 'contract-event',
          sequence: 3,
          qa: { enabled: true, anonymous: false, moderation: true },
          questions: [
            {
              id: 'q1',
              text: 'When is lunch?',
              authorName: null,
              upvotes: 4,
              pinned: false,
              answered: false,
              status: 'approved',
              createdAt: now(),
            },
          ],
        },
      },
    }),
};

const embedded = useEmbeddedPlatform();
const api: Api = (...args) => embedded.api()(...args);

test('every registered contract has an example that matches it', () => {
  for (const type of eventContracts.keys()) {
    assert.ok(examples[type], `add an example for ${type} to this test`);
    validateEvent(examples[type]!());
  }
});

test('every event the producers wrote matches its contract', async () => {
  const poll = (
    await api('POST', '/api/v1/polls', {
      body: {
        question: 'Q?',
        options: [{ label: 'A' }, { label: 'B' }],
        settings: { allowVoteChange: true },
      },
    })
  ).body;
  for (const [i, segment] of [undefined, 'embed'].entries()) {
    await api('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id], ...(segment ? { segment } : {}) },
      headers: { 'voter-token': `contract-voter-${i}` },
    });
  }
  const manage = { 'manage-token': poll.manageToken };
  // A change (retraction + cast), an edit, an open-text answer and its moderation, a close.
  await api('POST', `/api/v1/polls/${poll.id}/votes`, {
    body: { optionIds: [poll.options[1].id] },
    headers: { 'voter-token': 'contract-voter-0' },
  });
  assert.equal(
    (await api('PATCH', `/api/v1/polls/${poll.id}`, { body: { question: 'Q2?' }, headers: manage })).status,
    200,
  );
  assert.equal((await api('POST', `/api/v1/polls/${poll.id}/close`, { headers: manage })).status, 200);
  const draft = (
    await api('POST', '/api/v1/polls', { body: { question: 'Say?', type: 'open_text', status: 'draft' } })
  ).body;
  const manageDraft = { 'manage-token': draft.manageToken };
  assert.equal((await api('POST', `/api/v1/polls/${draft.id}/open`, { headers: manageDraft })).status, 200);
  const answer = await api('POST', `/api/v1/polls/${draft.id}/votes`, {
    body: { text: 'Contracts matter' },
    headers: { 'voter-token': 'contract-voter-9' },
  });
  assert.equal(answer.status, 201);
  const pending = await api('GET', `/api/v1/polls/${draft.id}/answers`, { headers: manageDraft });
  const moderated = await api('POST', `/api/v1/polls/${draft.id}/answers/${pending.body.answers[0].voteId}`, {
    body: { decision: 'approved' },
    headers: manageDraft,
  });
  assert.equal(moderated.status, 200);
  const signUp = await api('POST', '/api/v1/accounts', {
    body: { email: 'contracts@example.test', password: 'a long enough password', name: 'Contract Tester' },
  });
  assert.equal(signUp.status, 202);
  const written = new Set<string>();
  for (const runtime of embedded.platform().runtimes) {
    const db = embedded.platform().host.database(runtime.name);
    for (const row of (await sql<{ type: string }>`select type from outbox`.execute(db.kysely)).rows)
      written.add(row.type);
    const rows = await sql<{ event: unknown }>`select event from outbox`.execute(db.kysely);
    for (const row of rows.rows) validateEvent(row.event);
  }
  const polls = embedded.platform().host.database('polls');
  const produced = await sql<{ type: string }>`select distinct type from poll_events`.execute(polls.kysely);
  assert.deepEqual(produced.rows.map((r) => r.type).sort(), [
    'polls.answer.moderated.v1',
    'polls.poll.closed.v1',
    'polls.poll.created.v2',
    'polls.poll.opened.v1',
    'polls.poll.updated.v1',
    'polls.vote.cast.v3',
    'polls.vote.retracted.v1',
  ]);
  for (const type of [
    'identity.user.registered.v2',
    'identity.workspace.created.v1',
    'identity.member.changed.v1',
    'identity.account_mail.requested.v1',
  ]) {
    assert.ok(written.has(type), `${type} was written`);
  }
});

test('every consumer accepts every version it lists', async () => {
  for (const runtime of embedded.platform().runtimes) {
    const db = embedded.platform().host.database(runtime.name);
    for (const consumer of runtime.consumers.values()) {
      for (const type of consumer.types) {
        assert.ok(examples[type], `no example for ${type}, which ${consumer.name} lists`);
        await db.kysely.transaction().execute((trx) => consumer.applyPayloads(trx, [examples[type]!()]));
      }
    }
  }
  // The examples really counted: one creation, then a v1 vote and a v2 vote on its option.
  const results = await eventually(async () => {
    const response = await api('GET', '/api/v1/polls/contract-poll/results');
    assert.equal(response.status, 200);
    return response.body;
  });
  assert.equal(results.totalVotes, 2);
});
