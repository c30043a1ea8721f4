// Events in the cluster tier (docs/events.md): the presenter's stage travels from polls over NATS
// JetStream (`polls.live.stage`, beside the polls log) to both realtime processes, whose access
// checks ask polls over mutual TLS; participants on either process follow it, and the lock is
// enforced by the vote batch in the polls process.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ALL_SCOPES, IDENTITY_HEADER, signIdentity } from '@canvass/service-kit';
import { type Api, httpApi } from '../support/api.ts';
import { type ClusterLauncher, startClusterLauncher } from '../support/cluster-launcher.ts';
import { peerRequest } from '../support/internal-tls.ts';
import { type LiveMessage, openEventStream, openWebSocket } from '../support/live.ts';
import { upvotesCountOnce } from '../support/question-properties.ts';

const SECRET = `events-test-${randomUUID()}`;
const POLLS_OFFSET = 1;
let launcher: ClusterLauncher;
let api: Api;

before(async () => {
  launcher = await startClusterLauncher({ CANVASS_INTERNAL_SECRET: SECRET });
  api = httpApi(launcher.url);
});
after(() => launcher?.stop());

/** An organizer of a workspace of its own, acting at the polls process as the gateway would. */
async function organizer() {
  const identity = await signIdentity(SECRET, {
    subject: `user-${randomUUID().slice(0, 8)}`,
    kind: 'user',
    workspace: `ws-${randomUUID().slice(0, 8)}`,
    role: 'owner',
    scopes: ALL_SCOPES,
  });
  return async (method: string, path: string, body?: unknown) => {
    const answer = await peerRequest(`https://127.0.0.1:${launcher.port + POLLS_OFFSET}${path}`, {
      peer: 'gateway',
      method,
      headers: { [IDENTITY_HEADER]: identity },
      ...(body === undefined ? {} : { body }),
    });
    assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body as unknown;
  };
}

const snapshot = (screen: string) => (message: LiveMessage) =>
  message.type === 'snapshot' && message.results.screen === screen;

test('the stage reaches participants on both realtime processes; the lock refuses votes', async () => {
  const at = await organizer();
  const poll = (await at('POST', '/api/v1/polls', {
    question: 'Cluster?',
    status: 'draft',
    options: [{ label: 'Yes' }, { label: 'No' }],
  })) as { id: string; options: { id: string }[] };
  const event = (await at('POST', '/api/v1/events', { title: 'Cluster day', pollIds: [poll.id] })) as {
    id: string;
    joinCode: string;
  };
  const joined = await api('GET', `/api/v1/join/${event.joinCode}`);
  assert.equal(joined.status, 200, JSON.stringify(joined.body));

  const live = `/api/v1/events/${event.id}/live`;
  const participants = [
    await openWebSocket(`ws://127.0.0.1:${launcher.port}${live}`),
    await openWebSocket(`ws://127.0.0.1:${launcher.port}${live}`),
    await openEventStream(`${launcher.url}${live}`),
  ];
  for (const participant of participants) await participant.next(snapshot('waiting'));

  await at('PUT', `/api/v1/events/${event.id}/stage`, { screen: 'poll', pollId: poll.id });
  for (const participant of participants) {
    const shown = await participant.next(snapshot('poll'), 15_000);
    assert.equal(shown.results.pollId, poll.id);
  }
  const vote = () =>
    api('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0]!.id] },
      headers: { 'voter-token': `participant-${randomUUID()}` },
    });
  assert.equal((await vote()).status, 201);
  await at('PUT', `/api/v1/events/${event.id}/stage`, { screen: 'poll', pollId: poll.id, locked: true });
  for (const participant of participants)
    await participant.next((m) => m.type === 'snapshot' && m.results.votingLockedAt !== null, 15_000);
  const refused = await vote();
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.equal(refused.body.type, '/problems/voting-locked');
  for (const participant of participants) participant.close();
});

test('property: concurrent upvotes, duplicates and take-backs count once each (PostgreSQL)', async () => {
  const at = await organizer();
  await upvotesCountOnce(
    api,
    async () => ((await at('POST', '/api/v1/events', { title: 'Q&A' })) as { id: string }).id,
  );
});
