import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from './passwords.ts';

test('argon2id hashes verify the right password only, and never repeat', async () => {
  const one = await hashPassword('correct horse battery staple');
  const two = await hashPassword('correct horse battery staple');
  assert.match(one, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.notEqual(one, two, 'salted');
  assert.equal(await verifyPassword(one, 'correct horse battery staple'), true);
  assert.equal(await verifyPassword(one, 'correct horse battery stapler'), false);
  assert.equal(await verifyPassword('not a hash', 'anything'), false);
});
