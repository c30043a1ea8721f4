// Issue 14, items 9 and 11 (part): the embedded tier's internal secret (it signs receipts, manage
// tokens and forwarded identities) outlives a restart, kept in the data folder readable by its
// owner only; the operator token file is made 0600, and a secret file that others could read, or
// that is not the user's own, is refused with how to fix it rather than trusted.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { chmod, chown, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureAdminToken, INTERNAL_SECRET_FILE, startEmbeddedPlatform } from '@canvass/launcher';
import { injectApi } from '../support/api.ts';
import { createWatchedPoll } from '../support/live.ts';

const isRoot = process.getuid?.() === 0;
const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

test('after a restart, receipts still unlock after_vote results and manage tokens still see hidden ones', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'canvass-secrets-'));
  try {
    const first = await startEmbeddedPlatform({ dataDir, logLevel: 'silent' });
    let afterVote!: { id: string; options: { id: string }[] };
    let hidden!: { id: string; manageToken: string };
    let receipt!: string;
    try {
      const api = injectApi(first.gateway);
      afterVote = await createWatchedPoll(api, { settings: { resultsVisibility: 'after_vote' } });
      hidden = await createWatchedPoll(api, { settings: { resultsVisibility: 'hidden' } });
      const vote = await api('POST', `/api/v1/polls/${afterVote.id}/votes`, {
        body: { optionIds: [afterVote.options[0]!.id] },
        headers: { 'voter-token': `voter-${randomUUID()}` },
      });
      assert.equal(vote.status, 201, JSON.stringify(vote.body));
      receipt = vote.body.receiptId;
      const before = await api('GET', `/api/v1/polls/${afterVote.id}/results`, {
        headers: { 'vote-receipt': receipt },
      });
      assert.equal(before.status, 200, 'the receipt unlocks the results before the restart');
    } finally {
      await first.stop();
    }

    const secretFile = join(dataDir, INTERNAL_SECRET_FILE);
    assert.equal(await modeOf(secretFile), 0o600, 'kept with the data, readable by its owner only');

    const second = await startEmbeddedPlatform({ dataDir, logLevel: 'silent' });
    try {
      const api = injectApi(second.gateway);
      const withReceipt = await api('GET', `/api/v1/polls/${afterVote.id}/results`, {
        headers: { 'vote-receipt': receipt },
      });
      assert.equal(withReceipt.status, 200, JSON.stringify(withReceipt.body));
      const asOrganizer = await api('GET', `/api/v1/polls/${hidden.id}/results`, {
        headers: { 'manage-token': hidden.manageToken },
      });
      assert.equal(asOrganizer.status, 200, JSON.stringify(asOrganizer.body));
    } finally {
      await second.stop();
    }

    // Checked on reuse: a secret others could read is not trusted (nor one of another user's).
    await chmod(secretFile, 0o644);
    await assert.rejects(startEmbeddedPlatform({ dataDir, logLevel: 'silent' }), /chmod 600/);
    await chmod(secretFile, 0o600);
    if (isRoot) {
      await chown(secretFile, 65534, 65534);
      await assert.rejects(startEmbeddedPlatform({ dataDir, logLevel: 'silent' }), /belongs to user 65534/);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('the operator token file is made 0600, and one others could read, or not ours, is refused with how to fix it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'canvass-token-'));
  try {
    const file = join(dir, '.canvass', 'admin-token');
    const token = await ensureAdminToken(undefined, file);
    assert.equal(await modeOf(file), 0o600);
    assert.equal(await ensureAdminToken(undefined, file), token, 'reused while it is safe');
    assert.equal(await ensureAdminToken('from-the-environment', file), 'from-the-environment');

    await chmod(file, 0o644);
    await assert.rejects(ensureAdminToken(undefined, file), /other users may read it.*chmod 600/s);
    await chmod(file, 0o600);

    if (isRoot) {
      await chown(file, 65534, 65534);
      await assert.rejects(ensureAdminToken(undefined, file), /belongs to user 65534/);
      await chown(file, 0, 0);
    }

    // A token planted as a link to some other file is not followed.
    const planted = join(dir, 'planted');
    await writeFile(planted, 'a-token-someone-else-chose\n', { mode: 0o600 });
    const linked = join(dir, 'linked-token');
    await symlink(planted, linked);
    await assert.rejects(ensureAdminToken(undefined, linked), /not a regular file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
