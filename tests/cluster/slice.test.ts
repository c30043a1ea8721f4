// The slice through the real cluster tier: `npm run start:cluster`'s launcher, one process per
// service, against PostgreSQL and NATS JetStream.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createPostgresDatabase, type Database } from '@canvass/database';
import { sql } from 'kysely';
import { type Api, eventually, httpApi } from '../support/api.ts';
import { freePort, TEST_DB_PREFIX, testDatabases } from '../support/cluster.ts';
import { type OidcPlatform, oidcTests } from '../support/oidc.ts';
import { openApiTests } from '../support/openapi.ts';
import { type OperatedPlatform, operationsTests } from '../support/operations.ts';
import { pollTypeTests } from '../support/polls.ts';
import { sliceTests } from '../support/slice.ts';
import { recountProperty } from '../support/vote-properties.ts';
import { workspaceTests } from '../support/workspaces.ts';

let launcher: ChildProcess;
let api: Api;
let operated: OperatedPlatform;
let pollsDb: Database;
let identityDb: Database;
let oidc: OidcPlatform;
const token = `cluster-operator-${crypto.randomUUID()}`;
let output = '';

function waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} in launcher output:\n${output}`)),
      timeoutMs,
    );
    const check = () => {
      const match = output.match(pattern);
      if (match) {
        clearTimeout(timer);
        launcher.stdout?.off('data', check);
        resolve(match);
      }
    };
    launcher.stdout?.on('data', check);
    check();
  });
}

before(async () => {
  // Free ports from here up: the gateway's and one per service process (gateway + 1 … + 5).
  let port = await freePort();
  while (port > 60_000) port = await freePort();
  const mailDir = await mkdtemp(join(tmpdir(), 'canvass-mail-'));
  launcher = spawn(process.execPath, ['tools/launcher/src/cluster.ts'], {
    env: {
      ...process.env,
      MAIL_DIR: mailDir,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      CANVASS_DB_PREFIX: TEST_DB_PREFIX,
      LOG_LEVEL: 'warn',
      CANVASS_ADMIN_TOKEN: token,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  launcher.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  launcher.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  await waitForOutput(/cluster tier is ready/);
  const url = `http://127.0.0.1:${port}`;
  api = httpApi(url);
  pollsDb = createPostgresDatabase({ url: (await testDatabases(['polls'])).polls!, schema: 'polls' });
  operated = { api, url, token, pollsDb };
  identityDb = createPostgresDatabase({
    url: (await testDatabases(['identity'])).identity!,
    schema: 'identity',
  });
  oidc = {
    base: url,
    adminToken: token,
    async mailedToken(email) {
      const files = (await readdir(mailDir)).filter((file) => file.includes(email)).sort();
      const text = await readFile(join(mailDir, files.at(-1)!), 'utf8');
      return /token=([\w-]+)/.exec(text)![1]!;
    },
    async workspaceOf(email) {
      const rows = await sql<{ workspace_id: string }>`select m.workspace_id from memberships m
        join users u on u.id = m.user_id where u.email = ${email} and u.deleted_at is null`.execute(
        identityDb.kysely,
      );
      return rows.rows[0]!.workspace_id;
    },
  };
});

after(async () => {
  await pollsDb.close();
  await identityDb.close();
  if (launcher.exitCode === null) {
    launcher.kill('SIGINT');
    await new Promise((resolve) => launcher.once('exit', resolve));
  }
});

sliceTests(() => api);
pollTypeTests(() => api);
recountProperty(
  () => api,
  () => pollsDb,
);
operationsTests(() => operated);
oidcTests(() => oidc);
workspaceTests(() => oidc);
openApiTests(() => api, { url: () => (path) => `${operated.url}${path}` });

test('a service process that dies is restarted, and no acknowledged vote is lost', async () => {
  const poll = (
    await api('POST', '/api/v1/polls', {
      body: { question: 'Survive?', options: [{ label: 'Yes' }, { label: 'No' }] },
    })
  ).body;
  const vote = (token: string) =>
    api('POST', `/api/v1/polls/${poll.id}/votes`, {
      body: { optionIds: [poll.options[0].id] },
      headers: { 'voter-token': token },
    });
  assert.equal((await vote(`before-${randomUUID()}`)).status, 201);

  const pid = Number((await waitForOutput(/started analytics \(pid (\d+)\)/))[1]);
  process.kill(pid, 'SIGKILL');
  await waitForOutput(/analytics exited \(SIGKILL\); restarting/);
  assert.equal(
    (await vote(`during-${randomUUID()}`)).status,
    201,
    'polls keeps taking votes while analytics is down',
  );

  const results = await eventually(async () => {
    const response = await api('GET', `/api/v1/polls/${poll.id}/results`);
    assert.equal(response.status, 200);
    assert.equal(response.body.totalVotes, 2);
    return response.body;
  }, 30_000);
  assert.equal(results.options[0].votes, 2);
});

test('Ctrl-C stops every process cleanly', async () => {
  launcher.kill('SIGINT');
  const code = await new Promise((resolve) => launcher.once('exit', resolve));
  assert.equal(code, 0);
  assert.match(output, /stopping every process/);
});
