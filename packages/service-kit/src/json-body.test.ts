import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_JSON_DEPTH, parseJsonBody } from './json-body.ts';
import { HttpProblem } from './problem.ts';

const refusedAs = (text: string) => {
  try {
    parseJsonBody(text);
  } catch (error) {
    assert.ok(error instanceof HttpProblem);
    assert.equal(error.status, 400);
    return error.type;
  }
  return 'accepted';
};

test('ordinary JSON parses, surrogate pairs and escaped quotes and brackets in strings included', () => {
  // Long enough to be scanned for depth: brackets and escaped quotes inside strings do not count.
  const padding = 'x'.repeat(100);
  assert.deepEqual(parseJsonBody(`{"a":[1,{"b":"\\ud83d\\uddf3 [[[\\"[[[\\\\"}],"c":"${padding}"}`), {
    a: [1, { b: '🗳 [[["[[[\\' }],
    c: padding,
  });
  const bracketsInText = { s: `${'['.repeat(200)}"\\${'{'.repeat(200)}` };
  assert.deepEqual(parseJsonBody(JSON.stringify(bracketsInText)), bracketsInText);
  const deepEnough = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
  assert.ok(Array.isArray(parseJsonBody(deepEnough)));
});

test('what no route accepts is refused, each with its own problem type', () => {
  assert.equal(refusedAs(''), 'empty-json-body');
  assert.equal(refusedAs('{"a":'), 'invalid-json');
  assert.equal(
    refusedAs(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`),
    'json-too-deep',
  );
  assert.equal(refusedAs(`{"a":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_001)}`), 'json-too-deep');
  assert.equal(refusedAs('{"a":"x\\u0000y"}'), 'nul-character');
  assert.equal(refusedAs('{"a\\u0000":1}'), 'nul-character');
  assert.equal(refusedAs('["\\ud800"]'), 'lone-surrogate');
  assert.equal(refusedAs('["\\udfff x"]'), 'lone-surrogate');
  assert.equal(refusedAs('{"__proto__":{"admin":true}}'), 'forbidden-key');
  assert.equal(refusedAs('{"constructor":{"prototype":{"admin":true}}}'), 'forbidden-key');
});
