// The quota problem a user sees: what the plan allows, what to do now, and which plans help.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { quotaExceeded, upgradesFor } from './quota.ts';

test('a free workspace over its open polls is told the limit, what to do, and the next plan that allows more', () => {
  const problem = quotaExceeded({ what: 'openPolls', limit: 3, plan: 'free', detail: 'Close a poll' });
  assert.equal(problem.status, 403);
  assert.equal(problem.type, 'quota-exceeded');
  assert.equal(problem.title, 'Your plan allows 3 open polls');
  assert.equal(problem.message, 'Close a poll, or upgrade to Pro for 50 open polls.');
  assert.deepEqual(problem.extensions, {
    quota: 'openPolls',
    limit: 3,
    plan: 'free',
    upgrade: { url: '/app/billing', plans: ['pro', 'business'] },
  });
});

test('words follow the number, and an unlimited plan says so', () => {
  const one = quotaExceeded({ what: 'webhookEndpoints', limit: 1, plan: 'free', detail: 'Delete one' });
  assert.equal(one.title, 'Your plan allows 1 webhook endpoint');
  assert.equal(one.message, 'Delete one, or upgrade to Pro for 5 webhook endpoints.');
  const none = quotaExceeded({ what: 'apiKeys', limit: 0, plan: 'free', detail: 'Ask an owner' });
  assert.equal(none.title, 'Your plan allows no API keys');
  const pro = quotaExceeded({ what: 'openPolls', limit: 50, plan: 'pro', detail: 'Close a poll' });
  assert.equal(pro.message, 'Close a poll, or upgrade to Business for unlimited open polls.');
});

test('on the largest plan, or with a custom limit above the next plan’s, no upgrade is offered that would not help', () => {
  const top = quotaExceeded({ what: 'members', limit: 100, plan: 'business', detail: 'Remove a member' });
  assert.equal(top.message, 'Remove a member.');
  assert.deepEqual(top.extensions.upgrade, { url: '/app/billing', plans: [] });
  // A free workspace granted 20 members by hand: Pro (10) would not help, Business (100) would.
  assert.deepEqual(upgradesFor('members', 20, 'free'), ['business']);
  assert.deepEqual(
    upgradesFor('openPolls', 1, 'an-old-plan'),
    ['free', 'pro', 'business'],
    'an unknown plan ranks below all',
  );
});
