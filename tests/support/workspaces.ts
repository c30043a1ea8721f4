// A person in several workspaces, against either tier: the web app lists them, starts one, and
// switches with a refresh grant naming it; the poll list and live results follow the token's
// workspace (live results with the token offered as a WebSocket subprotocol, as a browser does).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { eventually, httpApi } from './api.ts';
import { openWebSocket } from './live.ts';
import type { OidcPlatform } from './oidc.ts';
import { signInToWebApp, signUpVerified } from './sign-in.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
type Json = any;

export function workspaceTests(platform: () => OidcPlatform): void {
  const run = crypto.randomUUID().slice(0, 8);

  test('a user starts a second workspace, lists both, and switches to it with a refresh grant; the poll list and live results follow', async () => {
    const { base } = platform();
    const api = httpApi(base);
    const email = `wendy-${run}@example.test`;
    await signUpVerified(platform(), email, 'a very long password', 'Wendy');
    const { config, tokens } = await signInToWebApp(base, email, 'a very long password');
    assert.ok(tokens, 'signed in');
    const first = tokens.access_token;
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const firstWorkspace = String(decodeJwt(first).workspace);

    assert.equal((await api('GET', '/api/v1/workspaces')).status, 401);
    const mine = await api('GET', '/api/v1/workspaces', { headers: as(first) });
    assert.equal(mine.status, 200, JSON.stringify(mine.body));
    assert.deepEqual(mine.body, [
      { id: firstWorkspace, name: "Wendy's workspace", role: 'owner', plan: 'free' },
    ]);

    const started = await api('POST', '/api/v1/workspaces', {
      headers: as(first),
      body: { name: '  Team Two ' },
    });
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const second = started.body;
    assert.deepEqual(
      { ...second, id: undefined },
      { id: undefined, name: 'Team Two', role: 'owner', plan: 'free' },
    );
    for (const name of ['', '   ', 'x'.repeat(101)]) {
      const refused = await api('POST', '/api/v1/workspaces', { headers: as(first), body: { name } });
      assert.equal(refused.status, 400, JSON.stringify(name));
    }
    const both = await api('GET', '/api/v1/workspaces', { headers: as(first) });
    assert.deepEqual(
      both.body.map((workspace: Json) => workspace.id),
      [firstWorkspace, second.id],
      'in the order joined',
    );

    // An API key acts for a workspace, not for a person.
    const key = await api('POST', '/api/v1/api-keys', {
      headers: as(first),
      body: { name: 'robot', scopes: ['polls:read'] },
    });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    for (const method of ['GET', 'POST']) {
      const refused = await api(method, '/api/v1/workspaces', {
        headers: as(key.body.key),
        ...(method === 'POST' ? { body: { name: 'Robots' } } : {}),
      });
      assert.equal(refused.status, 403, method);
      assert.equal(refused.body.type, '/problems/people-only');
    }

    const switched = await client.refreshTokenGrant(config, tokens.refresh_token!, {
      workspace: second.id,
      resource: `${base}/api`,
    });
    const secondToken = switched.access_token;
    assert.equal(decodeJwt(secondToken).workspace, second.id);
    assert.equal(decodeJwt(secondToken).role, 'owner');

    const create = async (token: string, question: string) => {
      const created = await api('POST', '/api/v1/polls', {
        headers: as(token),
        body: {
          question,
          options: [{ label: 'Yes' }, { label: 'No' }],
          settings: { resultsVisibility: 'hidden' },
        },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body as Json;
    };
    const inFirst = await create(first, 'In the first?');
    const inSecond = await create(secondToken, 'In the second?');
    const listed = async (token: string) =>
      (await api('GET', '/api/v1/polls', { headers: as(token) })).body.polls.map((poll: Json) => poll.id);
    assert.deepEqual(await listed(secondToken), [inSecond.id]);
    assert.deepEqual(await listed(first), [inFirst.id]);

    // Live results of a hidden poll: its workspace's token, offered as a subprotocol, shows them;
    // the other workspace's token does not.
    await eventually(async () => {
      const results = await api('GET', `/api/v1/polls/${inSecond.id}/results`, { headers: as(secondToken) });
      assert.equal(results.status, 200);
    });
    const liveUrl = `${base.replace(/^http/, 'ws')}/api/v1/polls/${inSecond.id}/live`;
    const organizer = await openWebSocket(liveUrl, ['canvass.v1', `canvass.bearer.${secondToken}`]);
    const outsider = await openWebSocket(liveUrl, ['canvass.v1', `canvass.bearer.${first}`]);
    try {
      assert.equal(organizer.protocol, 'canvass.v1');
      assert.equal((await organizer.next()).type, 'snapshot');
      assert.equal((await outsider.next()).type, 'hidden');
    } finally {
      organizer.close();
      outsider.close();
    }
  });
}
