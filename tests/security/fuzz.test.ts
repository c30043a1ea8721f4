// Fuzzes every operation of the public API (the gateway's /api/openapi.json), three times over:
// anonymously (guest polls, their manage tokens and receipts), as a signed-in owner (an access
// token from the web app's sign-in), and with an API key, each time against real polls, votes,
// answers, keys and members so ids resolve. Whatever comes in, no answer may be a 5xx, and every
// error must be RFC 9457 problem+json with type, title and status.
//
// Budget: FUZZ_RUNS requests per kind of input per operation per round (default 2; valid-ish
// requests get twice as many). The seed is printed; FUZZ_SEED=<n> replays a run.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import { ALL_SCOPES } from '@canvass/service-kit';
import fc from 'fast-check';
import type { Api } from '../support/api.ts';
import {
  type FuzzBudget,
  type FuzzRequest,
  operationKey,
  operationsInOrder,
  type Round,
  requestsFor,
  type Scene,
} from '../support/fuzz.ts';
import {
  type Failure,
  type FuzzAnswer,
  failureReport,
  faultsOf,
  sendRaw,
  statusSummary,
} from '../support/fuzz-http.ts';
import { useSecurityPlatform } from '../support/fuzz-platform.ts';
import { publicDocument } from '../support/openapi.ts';

// The fuzzer sends thousands of requests from one address within a minute or two: with the
// default limits most would be 429s before they reached the code under test. (The limits have
// tests of their own.)
const ROOMY = { points: 10_000_000, windowSeconds: 60 };
const security = useSecurityPlatform({
  rateLimits: { perIp: ROOMY, perApiKey: ROOMY, perWorkspace: { free: ROOMY }, perVoter: ROOMY },
});

const budget: FuzzBudget = {
  seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31 - 1),
  runs: Number(process.env.FUZZ_RUNS ?? 2),
};
const replay = `FUZZ_SEED=${budget.seed} node --test tests/security/fuzz.test.ts`;

const ok = (response: { status: number; body: unknown }, status: number, what: string) =>
  assert.equal(response.status, status, `${what}: ${JSON.stringify(response.body)}`);

/**
 * A single-choice poll with a vote, an open-text poll with an answer waiting for moderation, and
 * what the round's credentials reach: made with `headers` (a workspace's polls), or without
 * (guest polls, with their manage tokens and receipts as the scenes' credentials).
 */
async function pollScenes(api: Api, headers: Record<string, string>, shared: Record<string, string>) {
  const guest = !headers.authorization;
  const created = async (body: Record<string, unknown>) => {
    const response = await api('POST', '/api/v1/polls', { headers, body });
    ok(response, 201, 'a fixture poll');
    return response.body as { id: string; options: { id: string }[]; manageToken?: string };
  };
  const voted = async (pollId: string, body: Record<string, unknown>) => {
    const response = await api('POST', `/api/v1/polls/${pollId}/votes`, {
      headers: { 'voter-token': `fuzz-fixture-${crypto.randomUUID()}` },
      body,
    });
    ok(response, 201, 'a fixture vote');
    return response.body.receiptId as string;
  };
  const choice = await created({
    question: 'Fuzz me?',
    options: [{ label: 'Yes' }, { label: 'No' }, { label: 'Maybe' }],
  });
  const choiceReceipt = await voted(choice.id, { optionIds: [choice.options[0]!.id] });
  const text = await created({
    question: 'Say something',
    type: 'open_text',
    settings: { moderation: true },
  });
  const textReceipt = await voted(text.id, { text: 'something to moderate' });
  const organizer = guest ? { 'manage-token': text.manageToken! } : headers;
  const answers = await api('GET', `/api/v1/polls/${text.id}/answers`, { headers: organizer });
  ok(answers, 200, 'the answers to moderate');
  const optionIds = choice.options.map((option) => option.id);
  const credentials = (poll: { manageToken?: string }, receipt: string): Scene['credentials'] =>
    guest
      ? { manageToken: { 'manage-token': poll.manageToken! }, voteReceipt: { 'vote-receipt': receipt } }
      : {};
  return [
    {
      params: { ...shared, pollId: choice.id, receiptId: choiceReceipt },
      hints: {
        optionIds: fc.oneof(
          fc.constantFrom(...optionIds).map((id) => [id]),
          fc.subarray(optionIds, { minLength: 1 }),
        ),
        ranking: fc.shuffledSubarray(optionIds, { minLength: optionIds.length }),
        ...(choice.manageToken ? { manageToken: fc.constant(choice.manageToken) } : {}),
      },
      credentials: credentials(choice, choiceReceipt),
    },
    {
      params: { ...shared, pollId: text.id, receiptId: textReceipt, voteId: answers.body.answers[0].voteId },
      hints: {},
      credentials: credentials(text, textReceipt),
    },
  ] satisfies Scene[];
}

async function sendAll(base: URL, requests: readonly FuzzRequest[]) {
  const results: { fuzz: FuzzRequest; answer: FuzzAnswer }[] = [];
  for (const fuzz of requests) results.push({ fuzz, answer: await sendRaw(base, fuzz) });
  return results;
}

test('every operation, anonymous and with credentials, answers hostile input with a 4xx problem, never a 5xx', async (t) => {
  console.log(`fuzz seed ${budget.seed} (${budget.runs} runs per kind); replay: ${replay}`);
  const started = Date.now();
  const { api, base } = security();
  const document = await publicDocument(api);
  const operations = operationsInOrder(document);
  assert.ok(operations.length > 20, `the document lists the API (${operations.length} operations)`);

  // An owner (signed in as the web app does), an API key of theirs with every scope, and things
  // the fuzzer may break without spoiling the run: a second key, a machine client and a second
  // member to revoke, rotate, demote or remove.
  const owner = await security().person('Owner');
  const asOwner = { authorization: `Bearer ${owner.token}` };
  const key = await api('POST', '/api/v1/api-keys', {
    headers: asOwner,
    body: { name: 'fuzzer', scopes: ALL_SCOPES },
  });
  ok(key, 201, 'the fuzzing key');
  const spare = await api('POST', '/api/v1/api-keys', {
    headers: asOwner,
    body: { name: 'spare', scopes: ['polls:read'] },
  });
  ok(spare, 201, 'a key to revoke');
  const member = await security().person('Member');
  const invited = await api('POST', '/api/v1/invitations', { headers: asOwner, body: { role: 'editor' } });
  ok(invited, 201, 'an invitation');
  const accepted = await api('POST', '/api/v1/invitations/accept', {
    headers: { authorization: `Bearer ${member.token}` },
    body: { token: new URL(invited.body.link).searchParams.get('token') },
  });
  ok(accepted, 200, 'the member joins');
  const machine = await api('POST', '/api/v1/oauth-clients', {
    headers: asOwner,
    body: { name: 'spare machine', scopes: ['polls:read'] },
  });
  ok(machine, 201, 'a machine client to rotate or revoke');
  const shared = { id: spare.body.id, userId: member.userId, clientId: machine.body.clientId };

  const asKey = { authorization: `Bearer ${key.body.key}` };
  const rounds: { name: string; headers: Record<string, string> }[] = [
    { name: 'anonymous', headers: {} },
    { name: 'owner', headers: asOwner },
    { name: 'api-key', headers: asKey },
  ];
  const results: { fuzz: FuzzRequest; answer: FuzzAnswer; round: string }[] = [];
  for (const { name, headers } of rounds) {
    // Fresh polls each round: the round before may have closed, edited or claimed its own.
    const round: Round = { name, headers, scenes: await pollScenes(api, headers, shared) };
    for (const op of operations) {
      const requests = requestsFor(document, op, round, budget);
      for (const result of await sendAll(new URL(base), requests)) results.push({ ...result, round: name });
    }
  }

  const visited = new Set(results.map(({ fuzz, round }) => `${round} ${fuzz.operation}`));
  for (const { name } of rounds)
    for (const op of operations)
      assert.ok(visited.has(`${name} ${operationKey(op)}`), `${name}: ${operationKey(op)}`);

  const failures: Failure[] = results.flatMap(({ fuzz, answer, round }) => {
    const faults = faultsOf(fuzz, answer);
    return faults.length > 0
      ? [{ fuzz: { ...fuzz, where: `${round}: ${fuzz.where || 'as documented'}` }, answer, faults }]
      : [];
  });
  // Not failures by the rules above, but worth a look: a made-up path that still answered 2xx.
  const resolved = results.filter(
    ({ fuzz, answer }) => fuzz.input === 'dot-segments (path)' && answer.status >= 200 && answer.status < 300,
  );
  t.diagnostic(
    `seed ${budget.seed}; ${results.length} requests in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  t.diagnostic(statusSummary(results));
  if (resolved.length > 0)
    t.diagnostic(
      `dot-segment paths answered 2xx:\n${[...new Set(resolved.map(({ fuzz, answer }) => `${answer.status} ${fuzz.method} ${fuzz.target.slice(0, 120)}`))].join('\n')}`,
    );
  assert.equal(
    failures.length,
    0,
    `${failures.length} of ${results.length} answers failed (seed ${budget.seed}; replay: ${replay})\n${failureReport(failures)}`,
  );
});
