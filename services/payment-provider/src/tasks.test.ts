import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTaskTracker } from './tasks.ts';

test('work scheduled after close() never runs and holds no timer (a webhook retry after shutdown)', async () => {
  const tasks = createTaskTracker((error) => assert.fail(String(error)));
  let ran = 0;
  tasks.later(5, () => ran++);
  tasks.close();
  tasks.later(5, () => ran++);
  await sleep(30);
  assert.equal(ran, 0);
  assert.ok(
    !process.getActiveResourcesInfo().includes('Timeout'),
    'no timer left behind to keep the process alive',
  );
});

test('work scheduled before close() runs after its delay; settle() waits for it', async () => {
  const tasks = createTaskTracker((error) => assert.fail(String(error)));
  let ran = 0;
  tasks.later(5, () => ran++);
  await tasks.settle();
  assert.equal(ran, 1);
});
