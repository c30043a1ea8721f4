// Hostile input (issue 14, item 10): what used to fail with a 500 (NUL in a string, lone
// surrogates, JSON nested 10,000 deep, %00 in a path) or with an answer that was not problem+json
// (bad percent-encoding, over-long path parameters, oversized headers, malformed HTTP) is a 4xx
// problem+json, from the gateway and from the services behind it.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { ApiResponse } from '../support/api.ts';
import { useEmbeddedPlatform } from '../support/embedded.ts';
import { rawGet, rawRequest } from '../support/raw-http.ts';

const PROBLEM = /^application\/problem\+json/;
const embedded = useEmbeddedPlatform();
let listening: Promise<number> | undefined;

/** The gateway on a real port (malformed HTTP needs a socket), listening from first use. */
function gatewayPort(): Promise<number> {
  const gateway = embedded.platform().gateway;
  listening ??= gateway
    .listen({ port: 0, host: '127.0.0.1' })
    .then(() => (gateway.server.address() as AddressInfo).port);
  return listening;
}

function assertClientProblem(response: ApiResponse, what: string, type?: string): void {
  assert.ok(
    response.status >= 400 && response.status < 500,
    `${what}: ${response.status} ${JSON.stringify(response.body)}`,
  );
  assert.match(response.headers['content-type'] ?? '', PROBLEM, what);
  if (type) assert.equal(response.body.type, `/problems/${type}`, what);
}

const options = [{ label: 'A' }, { label: 'B' }];

test('item 10: NUL, lone surrogates and deep nesting in a JSON body are a 400 naming the problem', async () => {
  const api = embedded.api();
  const cases: [string, string, string][] = [
    ['NUL in a string', JSON.stringify({ question: 'a\u0000b', options }), 'nul-character'],
    [
      'NUL in an option',
      JSON.stringify({ question: 'q', options: [{ label: '\u0000' }, { label: 'B' }] }),
      'nul-character',
    ],
    ['NUL in a key', JSON.stringify({ question: 'q', options, 'x\u0000': 1 }), 'nul-character'],
    [
      'a lone high surrogate',
      '{"question":"\\ud800 alone","options":[{"label":"A"},{"label":"B"}]}',
      'lone-surrogate',
    ],
    [
      'a lone low surrogate',
      '{"question":"q","options":[{"label":"\\udc00"},{"label":"B"}]}',
      'lone-surrogate',
    ],
    [
      'JSON nested 10,000 deep',
      `{"question":"q","options":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
      'json-too-deep',
    ],
    [
      'a prototype key',
      '{"question":"q","options":[{"label":"A"},{"label":"B"}],"__proto__":{"x":1}}',
      'forbidden-key',
    ],
  ];
  for (const [what, rawBody, type] of cases) {
    const response = await api('POST', '/api/v1/polls', { rawBody });
    assertClientProblem(response, what, type);
  }
  // A real surrogate pair (an emoji) is text like any other.
  const emoji = await api('POST', '/api/v1/polls', {
    rawBody: '{"question":"\\ud83d\\uddf3 vote?","options":[{"label":"A"},{"label":"B"}]}',
  });
  assert.equal(emoji.status, 201, JSON.stringify(emoji.body));
  assert.equal(emoji.body.question, '🗳 vote?');

  // The same holds where the body meets a service directly (cluster tier: a service's own port).
  const polls = embedded.platform().runtimes.find((runtime) => runtime.name === 'polls')!.app;
  const direct = await polls.inject({
    method: 'POST',
    url: '/api/v1/polls',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ question: 'a\u0000b', options }),
  });
  assert.equal(direct.statusCode, 400);
  assert.match(String(direct.headers['content-type']), PROBLEM);
});

test('item 10: a NUL in the sign-in form is a 400 naming it, before the form reaches PostgreSQL', async () => {
  const response = await embedded.api()('POST', '/interaction/any-uid/login', {
    rawBody: 'email=a%00b%40example.com&password=secret',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assertClientProblem(response, 'NUL in the sign-in form', 'nul-character');
});

test('item 10: %00, bad percent-encoding and over-long parameters in a path are a 4xx problem', async () => {
  const api = embedded.api();
  const poll = (await api('POST', '/api/v1/polls', { body: { question: 'Paths?', options } })).body;
  const targets = [
    '/api/v1/polls/%00',
    `/api/v1/polls/${poll.id}%00/results`,
    `/api/v1/polls/${poll.id}/votes?x=%00`,
    '/api/v1/receipts/%00abc',
    '/api/v1/polls/%E0%A4%A',
    '/api/v1/polls/%zz/results',
    '/api/v1/polls/%ED%A0%80',
    `/api/v1/polls/${'a'.repeat(300)}/results`,
    `/api/v1/polls/${'a'.repeat(300)}/votes`,
    `/api/v1/polls/${'a'.repeat(5_000)}`,
  ];
  for (const target of targets) {
    assertClientProblem(await api('GET', target), target);
  }
  // Over a socket too (nothing in between to reject or rewrite them first).
  const port = await gatewayPort();
  for (const target of [
    '/api/v1/polls/%00',
    '/api/v1/polls/%E0%A4%A',
    `/api/v1/polls/${'a'.repeat(300)}/votes`,
  ]) {
    const answer = await rawRequest(port, rawGet(target));
    assert.ok(answer.status >= 400 && answer.status < 500, `${target}: ${answer.status}`);
    assert.match(answer.headers['content-type'] ?? '', PROBLEM, target);
  }
});

test('item 10: oversized headers and malformed HTTP are answered with problem+json', async () => {
  const port = await gatewayPort();
  const huge = await rawRequest(port, rawGet('/healthz', { 'x-padding': 'a'.repeat(20_000) }));
  assert.equal(huge.status, 431);
  assert.match(huge.headers['content-type'] ?? '', PROBLEM);
  assert.equal(JSON.parse(huge.body).type, '/problems/headers-too-large');

  for (const request of [
    'NOT HTTP AT ALL\r\n\r\n',
    'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n',
  ]) {
    const answer = await rawRequest(port, request);
    assert.equal(answer.status, 400, JSON.stringify(request));
    assert.match(answer.headers['content-type'] ?? '', PROBLEM);
  }
});
