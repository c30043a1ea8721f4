// Replicas in the cluster tier (`npm run start:cluster -- --replicas …`): with two processes of
// the gateway, polls, analytics, identity and realtime, votes flow while one polls process is
// killed (at most 1% refused, every acknowledged vote counted once) and through a rolling restart
// of every process (nothing refused), and a signing-key rotation made through one identity
// process is published by the other at once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type Api, eventually, httpApi } from '../support/api.ts';
import { type ClusterLauncher, startClusterLauncher } from '../support/cluster-launcher.ts';

let launcher: ClusterLauncher;
let api: Api;
const adminToken = `replicas-operator-${randomUUID()}`;

before(async () => {
  launcher = await startClusterLauncher({
    CANVASS_REPLICAS: 'gateway=2,polls=2,analytics=2,identity=2,realtime=2',
    CANVASS_ADMIN_TOKEN: adminToken,
    // A short drain keeps the rolling restart brief; the gateway's pools still see it.
    CANVASS_DRAIN_MS: '1000',
    // One address sends everything here: measure the platform, not the limits.
    CANVASS_RATE_LIMITS: JSON.stringify({ perIp: { points: 100_000_000, windowSeconds: 60 } }),
    // Counters in a Redis database of their own: the thousands of votes sent here from 127.0.0.1
    // would otherwise spend that address's default limit (3,000 a minute) for the next test file's
    // cluster, which counts in the same Redis.
    REDIS_URL: 'redis://127.0.0.1:6379/1',
  });
  api = httpApi(launcher.url);
});

after(async () => {
  await launcher?.stop();
});

interface Load {
  acked: Map<string, number>;
  /** Refused or unanswered votes, with what it takes to send each again as the same voter. */
  refused: { status: number | string; body: string; pollId: string; token: string; optionId: string }[];
  total: number;
}

/**
 * Votes from `clients` clients over `polls` until `until` settles, each pausing `pauseMs` between
 * votes (0: as fast as the platform answers).
 */
async function voteUntil(
  polls: { id: string; options: { id: string }[] }[],
  until: Promise<unknown>,
  { clients, pauseMs }: { clients: number; pauseMs: number },
): Promise<Load> {
  const load: Load = { acked: new Map(), refused: [], total: 0 };
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const client = async (n: number) => {
    for (let i = 0; !done; i++) {
      const poll = polls[(n + i) % polls.length]!;
      const vote = { pollId: poll.id, token: `replica-${randomUUID()}`, optionId: poll.options[i % 2]!.id };
      load.total++;
      try {
        const response = await fetch(`${launcher.url}/api/v1/polls/${poll.id}/votes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'voter-token': vote.token },
          body: JSON.stringify({ optionIds: [vote.optionId] }),
        });
        const body = await response.text();
        if (response.status === 201) load.acked.set(poll.id, (load.acked.get(poll.id) ?? 0) + 1);
        else load.refused.push({ status: response.status, body: body.slice(0, 300), ...vote });
      } catch (error) {
        load.refused.push({ status: 'network', body: String((error as Error).cause ?? error), ...vote });
      }
      if (pauseMs) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, n) => client(n)));
  return load;
}

async function createPolls(count: number, label: string) {
  const polls = [];
  for (let i = 0; i < count; i++) {
    const created = await api('POST', '/api/v1/polls', {
      body: {
        question: `${label} ${i}`,
        options: [{ label: 'Yes' }, { label: 'No' }],
        // One address sends every vote here: no per-address limit on these polls.
        settings: { votesPerAddressPerMinute: 0, votesPerAddressPerHour: 0 },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    polls.push(created.body);
  }
  return polls;
}

/**
 * A refused vote may still have been stored: a process killed after its vote batch committed and
 * before it answered leaves the gateway to answer 502. Each refused vote is sent again by the same
 * voter: 409 `already-voted` says it was stored, 201 that it was not (and now is). Either way it
 * counts once from here on, so the totals must equal the acknowledged plus these, exactly.
 */
async function settleRefused(load: Load): Promise<void> {
  for (const vote of load.refused) {
    const again = await api('POST', `/api/v1/polls/${vote.pollId}/votes`, {
      headers: { 'voter-token': vote.token },
      body: { optionIds: [vote.optionId] },
    });
    const stored =
      again.status === 201 || (again.status === 409 && again.body.type === '/problems/already-voted');
    assert.ok(stored, `a refused vote sent again: ${again.status} ${JSON.stringify(again.body)}`);
    load.acked.set(vote.pollId, (load.acked.get(vote.pollId) ?? 0) + 1);
  }
}

/** Every acknowledged vote is counted, once: each poll's total equals what was acknowledged. */
async function assertCounted(load: Load): Promise<void> {
  await eventually(async () => {
    for (const [pollId, acked] of load.acked) {
      const results = await api('GET', `/api/v1/polls/${pollId}/results`);
      assert.equal(results.status, 200);
      assert.equal(results.body.totalVotes, acked, `poll ${pollId}: counted = acknowledged`);
    }
  }, 60_000);
}

const summary = (load: Load) =>
  `${load.total} votes, ${load.refused.length} refused: ${JSON.stringify(load.refused.slice(0, 5).map(({ status, body }) => ({ status, body })))}`;

test('the launcher runs the replicas asked for, each on a port of its own (gateways share theirs)', async () => {
  await launcher.waitForOutput(/processes: gateway ×2, polls ×2, analytics ×2, identity ×2/);
  const started = [...launcher.output().matchAll(/started ([\w-]+) \(pid \d+\)/g)].map((m) => m[1]);
  for (const name of [
    'gateway-1',
    'gateway-2',
    'polls-1',
    'polls-2',
    'analytics-1',
    'analytics-2',
    'identity-1',
    'identity-2',
    'realtime-1',
    'realtime-2',
    'notifications',
    'billing',
  ]) {
    assert.ok(started.includes(name), `${name} started`);
  }
  assert.match(launcher.output(), /processes: gateway ×2, polls ×2, analytics ×2, identity ×2/);
});

test('a polls process killed under load: at most 1% of votes refused, every acknowledged vote counted once', async (t) => {
  const polls = await createPolls(4, 'Kill');
  const pid = Number(/started polls-1 \(pid (\d+)\)/.exec(launcher.output())![1]);
  const load = await voteUntil(
    polls,
    (async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      process.kill(pid, 'SIGKILL');
      await launcher.waitForOutput(/polls-1 exited \(SIGKILL\); restarting/);
      await new Promise((resolve) => setTimeout(resolve, 20_000));
    })(),
    // As fast as the platform answers: the votes in flight on the killed process (about half the
    // clients) are the ones it may refuse, so the share refused falls as throughput rises.
    { clients: 12, pauseMs: 0 },
  );
  t.diagnostic(summary(load));
  assert.ok(load.total > 200, `enough load to judge: ${summary(load)}`);
  assert.ok(load.refused.length <= load.total * 0.01, summary(load));
  await settleRefused(load);
  await assertCounted(load);
});

test('a rolling restart of every process under load refuses no vote, and loses none', async (t) => {
  const polls = await createPolls(4, 'Rolling');
  const doneBefore = launcher.output().match(/rolling restart done/g)?.length ?? 0;
  const launcherPid = Number(/a rolling restart: kill -HUP (\d+)/.exec(launcher.output())![1]);
  const load = await voteUntil(
    polls,
    (async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      process.kill(launcherPid, 'SIGHUP');
      // Twelve starts of 8–14 s each here when the box is otherwise idle; generous room for a
      // busier one (a failure names how far it got).
      await eventually(async () => {
        const done = launcher.output().match(/rolling restart done/g)?.length ?? 0;
        const progress = launcher.output().match(/rolling restart: \S+ ready again in [\d.]+ s/g) ?? [];
        assert.ok(done > doneBefore, `the rolling restart finished; so far: ${progress.join(', ')}`);
      }, 420_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    })(),
    // A steady load below what this 2-core box can take, so the restarted processes get CPU to
    // start: with every core saturated each start takes 10–20 s, and twelve of them minutes.
    { clients: 6, pauseMs: 40 },
  );
  assert.doesNotMatch(launcher.output(), /rolling restart stopped/);
  for (const name of ['polls-1', 'polls-2', 'gateway-1', 'gateway-2', 'analytics-1', 'realtime-2']) {
    assert.match(launcher.output(), new RegExp(`rolling restart: ${name} ready again`));
  }
  t.diagnostic(summary(load));
  assert.ok(load.total > 500, `enough load to judge: ${summary(load)}`);
  assert.equal(load.refused.length, 0, summary(load));
  await assertCounted(load);
});

test('a key rotated through one identity process is published by every one at once', async () => {
  const admin = { authorization: `Bearer ${adminToken}` };
  // Both processes build their provider (and load the keys) before the rotation.
  for (let i = 0; i < 4; i++) assert.equal((await api('GET', '/oidc/jwks')).status, 200);
  const rotated = await api('POST', '/admin/v1/identity/keys/rotate', { headers: admin, body: {} });
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  // The gateway takes turns between the two identity processes: every answer must have it.
  await eventually(async () => {
    for (let i = 0; i < 6; i++) {
      const published = (await api('GET', '/oidc/jwks')).body.keys.map((key: { kid: string }) => key.kid);
      assert.ok(published.includes(rotated.body.signing), `answer ${i} publishes the new key`);
    }
  }, 5_000);
});
