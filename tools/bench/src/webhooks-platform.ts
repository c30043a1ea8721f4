// The embedded tier for the webhook phase, in this process: a workspace owner (signed up through
// the gateway, then acting on services directly with a signed identity, as the embedded tests
// do), webhook endpoints, open polls, and votes through the gateway by injection, each timed.
import { randomUUID } from 'node:crypto';
import { logChannel } from '@canvass/eventing';
import { type EmbeddedPlatform, startEmbeddedPlatform } from '@canvass/launcher';
import { entitlementsChanged, IDENTITY_HEADER, sha256, signIdentity } from '@canvass/service-kit';
import { sql } from 'kysely';
import { wallNow } from './webhooks-sink.ts';

export interface TimedVote {
  /** Wall-clock ms (timeOrigin + now) the request went to the gateway. */
  sentAt: number;
  /** When its 201 came back: the vote's transaction had committed by then. */
  answeredAt: number;
  status: number;
  receiptId: string | null;
}

export interface WebhookPlatform {
  platform: EmbeddedPlatform;
  /**
   * When each commit of polls' log was heard (wall clock, ascending): the NOTIFY polls sends in
   * every vote transaction, which PGlite hands to listeners as the commit returns.
   */
  commits: number[];
  /** Date.now() minus wallNow(): puts a payload's castAt (a Date) on the wall clock. */
  dateOffsetMs: number;
  addEndpoint(url: string): Promise<string>;
  openPoll(question: string): Promise<{ id: string; optionId: string }>;
  vote(pollId: string, optionId: string): Promise<TimedVote>;
  /** Queues a new delivery to the endpoint of every message since `since` (the product's replay). */
  replay(endpointId: string, since: Date): Promise<number>;
  /** Reads a poll's votes once; then tells a vote's id from the receipt its voter got. */
  voteIdFinder(pollId: string): Promise<(receiptId: string) => string | undefined>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (performance.now() > deadline) throw new Error(`webhook phase: ${what} did not happen in 30 s`);
    await sleep(50);
  }
}

/** Date.now() is whole milliseconds (the floor of the true time): its largest gap to wallNow() is it. */
function dateOffset(): number {
  let offset = Number.NEGATIVE_INFINITY;
  const until = performance.now() + 5;
  while (performance.now() < until) offset = Math.max(offset, Date.now() - wallNow());
  return offset;
}

export async function startWebhookPlatform(): Promise<WebhookPlatform> {
  const platform = await startEmbeddedPlatform({
    dataDir: 'memory://',
    logLevel: 'error',
    notifications: { allowLoopback: true },
    // Every vote comes from one address: measure webhooks, not the per-IP limit.
    rateLimits: { perIp: { points: 100_000_000, windowSeconds: 60 } },
  });
  try {
    const commits: number[] = [];
    const polls = platform.host.database('polls');
    await polls.listen(logChannel(polls.schema), () => commits.push(wallNow()));
    const email = `bench-${randomUUID().slice(0, 8)}@example.test`;
    const signUp = await platform.gateway.inject({
      method: 'POST',
      url: '/api/v1/accounts',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ email, password: 'a long enough password', name: 'Bench' }),
    });
    if (signUp.statusCode !== 202) throw new Error(`cannot sign up: ${signUp.statusCode} ${signUp.body}`);
    const owner = await eventually('the sign-up', async () => {
      const found = await sql<{ userId: string; workspace: string }>`
        select u.id as "userId", m.workspace_id as workspace from users u
        join memberships m on m.user_id = u.id where u.email = ${email}`.execute(
        platform.host.database('identity').kysely,
      );
      return found.rows[0];
    });
    // Notifications hears of the member from identity's events.
    await eventually('notifications learning of the owner', async () => {
      const known = await sql`select 1 from members where user_id = ${owner.userId}`.execute(
        platform.host.database('notifications').kysely,
      );
      return known.rows.length > 0 ? true : undefined;
    });
    // Business's quotas (several endpoints, many open polls), as billing would say after an upgrade.
    await platform.bus.publish([
      entitlementsChanged({ workspaceId: owner.workspace, plan: 'business', version: 1_000_000 }),
    ]);
    await eventually('polls and notifications taking the Business plan', async () => {
      for (const schema of ['polls', 'notifications']) {
        const held = await sql<{
          plan: string;
        }>`select plan from entitlements where workspace_id = ${owner.workspace}`.execute(
          platform.host.database(schema).kysely,
        );
        if (held.rows[0]?.plan !== 'business') return undefined;
      }
      return true;
    });
    const identity = await signIdentity(platform.internalSecret, {
      subject: owner.userId,
      kind: 'user',
      workspace: owner.workspace,
      role: 'owner',
      scopes: ['polls:read', 'polls:write', 'webhooks:manage'],
    });
    const call = async (service: string, url: string, body?: unknown) => {
      const app = platform.runtimes.find((runtime) => runtime.name === service)!.app;
      const response = await app.inject({
        method: 'POST',
        url,
        headers: { [IDENTITY_HEADER]: identity, 'content-type': 'application/json' },
        payload: JSON.stringify(body ?? {}),
      });
      if (response.statusCode >= 300)
        throw new Error(`${service} POST ${url}: ${response.statusCode} ${response.body}`);
      return response.json();
    };
    return {
      platform,
      commits,
      dateOffsetMs: dateOffset(),
      async addEndpoint(url) {
        const made = await call('notifications', '/api/v1/webhooks', { url, eventTypes: ['vote.cast'] });
        return made.id as string;
      },
      async openPoll(question) {
        const created = await call('polls', '/api/v1/polls', {
          question,
          type: 'single_choice',
          status: 'draft',
          options: [{ label: 'Yes' }, { label: 'No' }],
          // One address by design: without the per-address limits (docs/polls.md).
          settings: { votesPerAddressPerMinute: 0, votesPerAddressPerHour: 0 },
        });
        await call('polls', `/api/v1/polls/${created.id}/open`);
        return { id: created.id as string, optionId: created.options[0].id as string };
      },
      async vote(pollId, optionId) {
        const sentAt = wallNow();
        const response = await platform.gateway.inject({
          method: 'POST',
          url: `/api/v1/polls/${pollId}/votes`,
          headers: { 'content-type': 'application/json', 'voter-token': `bench-${randomUUID()}` },
          payload: JSON.stringify({ optionIds: [optionId] }),
        });
        const answeredAt = wallNow();
        const receiptId =
          response.statusCode === 201 ? ((response.json() as { receiptId: string }).receiptId ?? null) : null;
        return { sentAt, answeredAt, status: response.statusCode, receiptId };
      },
      async replay(endpointId, since) {
        const replayed = await call('notifications', `/api/v1/webhooks/${endpointId}/replay`, {
          since: since.toISOString(),
        });
        return replayed.queued as number;
      },
      async voteIdFinder(pollId) {
        // The receipt is the 201's only id; polls keeps its hash beside the vote's id.
        const rows = await sql<{ id: string; receipt_hash: string }>`
          select id, receipt_hash from votes where poll_id = ${pollId}`.execute(
          platform.host.database('polls').kysely,
        );
        const byHash = new Map(rows.rows.map((row) => [row.receipt_hash, row.id]));
        return (receiptId) => byHash.get(sha256(receiptId));
      },
      stop: () => platform.stop(),
    };
  } catch (error) {
    await platform.stop();
    throw error;
  }
}
