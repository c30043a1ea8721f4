// Voting integrity (issue 14, items 4, 5 and the bad cursors of 10): a receipt shows what the
// poll's results visibility allows; one network address cannot stuff a poll with made-up voter
// tokens, while a room behind one address still votes; device tokens and proof of work, where a
// poll asks for them; wrong access codes lock out; a tampered cursor is the client's error. The
// gateway's client address decides "address": requests here set it with inject's remoteAddress.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { type ApiResponse, eventually } from '../support/api.ts';
import { ownerApiKey } from '../support/api-keys.ts';
import { useEmbeddedPlatform } from '../support/embedded.ts';

const { platform, api } = useEmbeddedPlatform();
const PROBLEM = /^application\/problem\+json/;

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

/** A request through the gateway from `address` (the client address the gateway sees). */
async function from(
  address: string,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const response = await platform().gateway.inject({
    method,
    url,
    remoteAddress: address,
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.body !== undefined ? { payload: JSON.stringify(init.body) } : {}),
  });
  let body: Json = response.body;
  try {
    body = response.json();
  } catch {
    // Not JSON: kept as text.
  }
  return {
    status: response.statusCode,
    headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)])),
    body,
  };
}

async function guestPoll(body: Record<string, unknown> = {}): Promise<Json> {
  const created = await api()('POST', '/api/v1/polls', {
    body: { question: 'Which?', options: [{ label: 'A' }, { label: 'B' }], ...body },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

const voter = () => `voter-${randomUUID()}`;
const ballot = (poll: Json) => ({ optionIds: [poll.options[0].id] });

function assertProblem(response: ApiResponse, status: number, type: string) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.match(response.headers['content-type'] ?? '', PROBLEM);
  assert.equal(response.body.type, `/problems/${type}`);
  assert.ok(response.body.detail, 'a detail says what to do');
}

test('item 4: the receipt of a closed poll with hidden results carries no counts', async () => {
  for (const resultsVisibility of ['hidden', 'live'] as const) {
    const poll = await guestPoll({ settings: { resultsVisibility } });
    const voted = await api()('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: ballot(poll),
      headers: { 'voter-token': voter() },
    });
    assert.equal(voted.status, 201);
    const closed = await api()('POST', `/api/v1/polls/${poll.id}/close`, {
      headers: { 'manage-token': poll.manageToken },
    });
    assert.equal(closed.status, 200);
    const receipt = await api()('GET', `/api/v1/receipts/${voted.body.receiptId}`);
    assert.equal(receipt.status, 200);
    assert.ok(receipt.body.final, 'the final head is there to verify against');
    assert.equal(receipt.body.final.includesThisVote, true);
    if (resultsVisibility === 'hidden') {
      assert.equal(receipt.body.final.totals, undefined, 'hidden results: no totals');
      assert.doesNotMatch(JSON.stringify(receipt.body), /"counts"/);
    } else {
      assert.deepEqual(receipt.body.final.totals.counts, { [poll.options[0].id]: 1 });
    }
  }
});

test('item 5: one address stuffing a poll with fresh voter tokens is refused past its limit; a room behind one address votes', async () => {
  const poll = await guestPoll();
  const room = '198.51.100.7';
  // A lecture hall of 300 behind one NAT, all voting within the minute: every vote counts.
  const hall = await Promise.all(
    Array.from({ length: 300 }, () =>
      from(room, 'POST', `/api/v1/polls/${poll.id}/votes`, {
        body: ballot(poll),
        headers: { 'voter-token': voter() },
      }),
    ),
  );
  assert.deepEqual(
    [...new Set(hall.map((response) => response.status))],
    [201],
    'the room’s 300 votes are taken',
  );
  // A script on the same address goes on with new voter tokens: refused, with Retry-After.
  const stuffed = await Promise.all(
    Array.from({ length: 50 }, () =>
      from(room, 'POST', `/api/v1/polls/${poll.id}/votes`, {
        body: ballot(poll),
        headers: { 'voter-token': voter() },
      }),
    ),
  );
  assert.equal(stuffed.filter((response) => response.status === 201).length, 0, 'nothing past the limit');
  assertProblem(stuffed[0]!, 429, 'address-rate-limited');
  assert.ok(Number(stuffed[0]!.headers['retry-after']) >= 1, 'Retry-After says when');
  // Another address is not affected, and what was acknowledged is counted exactly once.
  const elsewhere = await from('203.0.113.50', 'POST', `/api/v1/polls/${poll.id}/votes`, {
    body: ballot(poll),
    headers: { 'voter-token': voter() },
  });
  assert.equal(elsewhere.status, 201);
  await eventually(async () => {
    const results = await api()('GET', `/api/v1/polls/${poll.id}/results`, {
      headers: { 'manage-token': poll.manageToken },
    });
    assert.equal(results.body.totalVotes, 301);
  });

  // The limits are the poll's own: an organizer may set them tighter (or looser, or off).
  const tight = await guestPoll({ settings: { votesPerAddressPerMinute: 3 } });
  assert.equal(tight.settings.votesPerAddressPerMinute, 3);
  assert.equal(tight.settings.votesPerAddressPerHour, 1_000, 'the rest keep their defaults');
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) {
    const response = await from('198.51.100.8', 'POST', `/api/v1/polls/${tight.id}/votes`, {
      body: ballot(tight),
      headers: { 'voter-token': voter() },
    });
    statuses.push(response.status);
  }
  assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
  // IPv6: one host holds a whole /64, so the /64 is the address counted.
  const v6 = await guestPoll({ settings: { votesPerAddressPerMinute: 2 } });
  const v6Statuses: number[] = [];
  for (const address of ['2001:db8:1:2::a', '2001:db8:1:2:ffff::b', '2001:db8:1:2:1:2:3:4']) {
    const response = await from(address, 'POST', `/api/v1/polls/${v6.id}/votes`, {
      body: ballot(v6),
      headers: { 'voter-token': voter() },
    });
    v6Statuses.push(response.status);
  }
  assert.deepEqual(v6Statuses, [201, 201, 429]);
});

test('item 5: a poll that asks for device tokens refuses voter tokens without one Canvass issued for them', async () => {
  const poll = await guestPoll({ settings: { deviceToken: true } });
  assert.equal(poll.settings.deviceToken, true);
  const me = voter();
  const vote = (headers: Record<string, string>) =>
    from('192.0.2.10', 'POST', `/api/v1/polls/${poll.id}/votes`, { body: ballot(poll), headers });

  assertProblem(await vote({ 'voter-token': me }), 403, 'device-token-required');
  assertProblem(
    await vote({ 'voter-token': me, 'device-token': 'dt1.zzzzzz.AAAAAAAAAAAAAAAAAAAAAA' }),
    403,
    'device-token-invalid',
  );
  // A token issued for another voter token (or another poll) does not carry over.
  const other = await from('192.0.2.10', 'POST', `/api/v1/polls/${poll.id}/device-token`, {
    headers: { 'voter-token': voter() },
  });
  assert.equal(other.status, 201, JSON.stringify(other.body));
  assertProblem(
    await vote({ 'voter-token': me, 'device-token': other.body.deviceToken }),
    403,
    'device-token-invalid',
  );
  const otherPoll = await guestPoll({ settings: { deviceToken: true } });
  const forOtherPoll = await from('192.0.2.10', 'POST', `/api/v1/polls/${otherPoll.id}/device-token`, {
    headers: { 'voter-token': me },
  });
  assertProblem(
    await vote({ 'voter-token': me, 'device-token': forOtherPoll.body.deviceToken }),
    403,
    'device-token-invalid',
  );

  const mine = await from('192.0.2.10', 'POST', `/api/v1/polls/${poll.id}/device-token`, {
    headers: { 'voter-token': me },
  });
  assert.equal(mine.status, 201);
  assert.ok(Date.parse(mine.body.expiresAt) > Date.now());
  const voted = await vote({ 'voter-token': me, 'device-token': mine.body.deviceToken });
  assert.equal(voted.status, 201, JSON.stringify(voted.body));
  assertProblem(
    await vote({ 'voter-token': me, 'device-token': mine.body.deviceToken }),
    409,
    'already-voted',
  );

  // Device tokens are counted per address like votes: identities cannot be minted without end.
  const few = await guestPoll({ settings: { deviceToken: true, votesPerAddressPerMinute: 2 } });
  const issued: number[] = [];
  for (let i = 0; i < 3; i++) {
    const response = await from('192.0.2.11', 'POST', `/api/v1/polls/${few.id}/device-token`, {
      headers: { 'voter-token': voter() },
    });
    issued.push(response.status);
  }
  assert.deepEqual(issued, [201, 201, 429]);
});

/** Finds the nonce a browser would (SHA-256 of challenge:voterToken:nonce with `bits` leading zeros). */
function solve(challenge: string, voterToken: string, bits: number): string {
  for (let nonce = 0; ; nonce++) {
    if (zeroBits(createHash('sha256').update(`${challenge}:${voterToken}:${nonce}`).digest()) >= bits)
      return String(nonce);
  }
}
function zeroBits(digest: Buffer): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

test('item 5: a poll that asks for proof of work refuses votes without a solution and takes a solved one', async () => {
  const poll = await guestPoll({ settings: { proofOfWork: 10 } });
  const me = voter();
  const vote = (token: string, headers: Record<string, string> = {}) =>
    from('192.0.2.20', 'POST', `/api/v1/polls/${poll.id}/votes`, {
      body: ballot(poll),
      headers: { 'voter-token': token, ...headers },
    });
  assertProblem(await vote(me), 403, 'proof-of-work-required');

  const issued = await api()('GET', `/api/v1/polls/${poll.id}/challenge`);
  assert.equal(issued.status, 200);
  assert.equal(issued.body.difficulty, 10);
  const { challenge } = issued.body;
  const nonce = solve(challenge, me, 10);
  // Unsolved, forged, or solved for another voter token: refused.
  let wrong = 0;
  while (zeroBits(createHash('sha256').update(`${challenge}:${me}:${wrong}`).digest()) >= 10) wrong++;
  assertProblem(await vote(me, { 'proof-of-work': `${challenge}:${wrong}` }), 403, 'proof-of-work-invalid');
  const forged = `${challenge.split('.').slice(0, 4).join('.')}.AAAAAAAAAAAAAAAAAAAAAA`;
  assertProblem(
    await vote(me, { 'proof-of-work': `${forged}:${solve(forged, me, 10)}` }),
    403,
    'proof-of-work-invalid',
  );
  let someoneElse = voter();
  while (zeroBits(createHash('sha256').update(`${challenge}:${someoneElse}:${nonce}`).digest()) >= 10)
    someoneElse = voter();
  assertProblem(
    await vote(someoneElse, { 'proof-of-work': `${challenge}:${nonce}` }),
    403,
    'proof-of-work-invalid',
  );

  const voted = await vote(me, { 'proof-of-work': `${challenge}:${nonce}` });
  assert.equal(voted.status, 201, JSON.stringify(voted.body));
  // One challenge serves every voter, each solving it for their own token.
  const next = voter();
  assert.equal(
    (await vote(next, { 'proof-of-work': `${challenge}:${solve(challenge, next, 10)}` })).status,
    201,
  );
});

test('item 5: wrong access codes lock out the address, then the whole poll, with 429 and Retry-After', async () => {
  const poll = await guestPoll({ settings: { voters: 'access_code' }, accessCode: '4821' });
  const attempt = (address: string, accessCode: string) =>
    from(address, 'POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { ...ballot(poll), accessCode },
      headers: { 'voter-token': voter() },
    });
  // One address walking through four-digit codes: 20 wrong ones, then nothing more is checked.
  for (let code = 0; code < 20; code++) {
    assertProblem(await attempt('198.51.100.30', String(code).padStart(4, '0')), 403, 'wrong-access-code');
  }
  const locked = await attempt('198.51.100.30', '4821');
  assertProblem(locked, 429, 'access-code-locked');
  assert.ok(Number(locked.headers['retry-after']) >= 1);
  // Others still vote with the right code.
  assert.equal((await attempt('198.51.100.31', '4821')).status, 201);

  // Guessing from many addresses: after 100 wrong codes for the poll, it takes no codes a while.
  for (let address = 0; address < 4; address++) {
    for (let code = 0; code < 20; code++) {
      const answer = await attempt(`198.51.100.${40 + address}`, String(100 + code));
      assert.equal(answer.status, 403);
    }
  }
  const pollLocked = await attempt('198.51.100.99', '4821');
  assertProblem(pollLocked, 429, 'access-code-locked');
  assert.ok(Number(pollLocked.headers['retry-after']) >= 1);
});

test('item 10: a malformed or tampered cursor is 400 problem+json, never 500', async () => {
  const owner = await ownerApiKey(platform(), api());
  const headers = { authorization: `Bearer ${owner.key}` };
  const cursor = (inside: string) => Buffer.from(inside).toString('base64url');
  const bad = [
    'not a cursor',
    '%00',
    'x'.repeat(200),
    cursor('0000-01-01T00:00:00.000Z~abc'),
    cursor('2024-02-30T00:00:00.000Z~abc'),
    cursor('1900-01-01T00:00:00.000Z~abc'),
    cursor('2024-01-01T00:00:00.000Z~'),
    cursor('2024-01-01T00:00:00.000Z~a\u0000b'),
    `${cursor('2024-01-01T00:00:00.000Z~abc')}!!`,
  ];
  for (const after of bad) {
    const page = await api()('GET', `/api/v1/polls?after=${encodeURIComponent(after)}`, { headers });
    assert.equal(page.status, 400, `after=${after}: ${JSON.stringify(page.body)}`);
    assert.match(page.headers['content-type'] ?? '', PROBLEM);
  }
  const good = await api()('GET', `/api/v1/polls?after=${cursor('2024-01-01T00:00:00.000Z~abc')}`, {
    headers,
  });
  assert.equal(good.status, 200);

  // The moderation list's cursor (`<time>~<id>` as it is handed out) likewise.
  const ideas = await guestPoll({ type: 'open_text', options: undefined });
  const manage = { 'manage-token': ideas.manageToken };
  for (const after of [
    'garbage',
    '~',
    'x~y',
    '0000-01-01T00:00:00.000Z~abc',
    '2024-01-01T00:00:00.000Z~a b',
  ]) {
    const page = await api()('GET', `/api/v1/polls/${ideas.id}/answers?after=${encodeURIComponent(after)}`, {
      headers: manage,
    });
    assert.equal(page.status, 400, `after=${after}: ${JSON.stringify(page.body)}`);
    assert.match(page.headers['content-type'] ?? '', PROBLEM);
  }
  const fine = await api()(
    'GET',
    `/api/v1/polls/${ideas.id}/answers?after=${encodeURIComponent('2024-01-01T00:00:00.000Z~abc')}`,
    { headers: manage },
  );
  assert.equal(fine.status, 200, JSON.stringify(fine.body));
});
