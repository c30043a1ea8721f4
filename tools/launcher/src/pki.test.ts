import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ensurePki } from './pki.ts';
import { SecretFileError } from './secret-file.ts';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'canvass-pki-'));
  dirs.push(dir);
  return join(dir, 'pki');
}
const cert = async (file: string) => new X509Certificate(await readFile(file));

test('issues a CA and one certificate per service: CN, SAN, both usages, 0600 keys', async () => {
  const dir = await freshDir();
  const pki = await ensurePki(dir, ['polls', 'gateway']);
  assert.equal(pki.caIssued, true);
  const ca = await cert(pki.ca);
  assert.equal(ca.ca, true);
  const days = (c: X509Certificate) => (new Date(c.validTo).getTime() - Date.now()) / 86_400_000;
  assert.ok(days(ca) > 360 && days(ca) <= 366);
  const polls = await cert(pki.services.polls!.cert);
  assert.match(polls.subject, /CN=polls/);
  assert.match(polls.subjectAltName ?? '', /DNS:localhost/);
  assert.match(polls.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(polls.subjectAltName ?? '', /DNS:polls/);
  assert.deepEqual([...(polls.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.ok(days(polls) > 29 && days(polls) <= 31);
  assert.ok(polls.checkIssued(ca) && polls.verify(ca.publicKey));
  assert.equal(polls.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  for (const key of [join(dir, 'ca.key'), pki.services.polls!.key, pki.services.gateway!.key]) {
    assert.equal((await stat(key)).mode & 0o777, 0o600, key);
  }
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
});

test('reuses good certificates on the next start', async () => {
  const dir = await freshDir();
  const first = await ensurePki(dir, ['polls']);
  const before = (await cert(first.services.polls!.cert)).serialNumber;
  const second = await ensurePki(dir, ['polls']);
  assert.equal(second.caIssued, false);
  assert.equal(second.services.polls!.issued, false);
  assert.equal((await cert(second.services.polls!.cert)).serialNumber, before);
});

test('re-issues a certificate within 10 days of its end, and all of them when the CA changed', async () => {
  const dir = await freshDir();
  await ensurePki(dir, ['polls', 'analytics'], { serviceDays: 5 });
  const renewed = await ensurePki(dir, ['polls', 'analytics']);
  assert.equal(renewed.services.polls!.issued, true);
  const polls = await cert(renewed.services.polls!.cert);
  assert.ok(new Date(polls.validTo).getTime() - Date.now() > 20 * 86_400_000);
  // A CA about to end is replaced, and every certificate it signed with it.
  const short = await freshDir();
  await ensurePki(short, ['polls', 'analytics'], { caDays: 20 });
  const rotated = await ensurePki(short, ['polls', 'analytics']);
  assert.equal(rotated.caIssued, true);
  assert.equal(rotated.services.analytics!.issued, true);
  const ca = await cert(rotated.ca);
  assert.ok((await cert(rotated.services.analytics!.cert)).verify(ca.publicKey));
  // Rotation on request.
  const forced = await ensurePki(short, ['polls'], { force: true });
  assert.equal(forced.services.polls!.issued, true);
});

test('refuses a key file others can read', async () => {
  const dir = await freshDir();
  const pki = await ensurePki(dir, ['identity']);
  await chmod(pki.services.identity!.key, 0o644);
  await assert.rejects(ensurePki(dir, ['identity']), (error) => {
    assert.ok(error instanceof SecretFileError);
    assert.match(error.message, /identity service key.*mode is 0644.*chmod 600/);
    return true;
  });
  await chmod(pki.services.identity!.key, 0o600);
  await chmod(join(dir, 'ca.key'), 0o640);
  await assert.rejects(ensurePki(dir, ['identity']), /internal CA key/);
});
