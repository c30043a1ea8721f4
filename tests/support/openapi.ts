// The public OpenAPI document, checked against either tier: it is valid OpenAPI 3.1 (the official
// schema, then every Schema Object against JSON Schema 2020-12), and every operation in it answers
// as documented. The walk builds each request from the document alone: path parameters are the ids
// of fixtures made first (a poll, a vote's receipt) or made-up ids, query, headers and body are
// small valid values from their schemas; each answer's status must be listed, its content type
// documented, and a JSON body must match the documented schema.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { type Api, type ApiResponse, eventually } from './api.ts';
import { checkLiveMessages, checkResultBodies } from './openapi-bodies.ts';
import {
  type DocumentedOperation,
  type Json,
  operationsOf,
  responseChecker,
  sampleOf,
} from './openapi-document.ts';

interface Fixture {
  pollId: string;
  manageToken: string;
  receiptId: string;
}

type Checker = ReturnType<typeof responseChecker>;

export async function publicDocument(api: Api): Promise<Json> {
  const response = await api('GET', '/api/openapi.json');
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

function operation(document: Json, method: string, path: string): DocumentedOperation {
  const found = operationsOf(document).find((entry) => entry.method === method && entry.path === path);
  assert.ok(found, `${method} ${path} is documented`);
  return found;
}

function assertDocumented(checker: Checker, entry: DocumentedOperation, response: ApiResponse): void {
  const wrong = checker.mismatches(entry, response);
  assert.deepEqual(
    wrong,
    [],
    `${entry.method.toUpperCase()} ${entry.path}: ${JSON.stringify(response.body)}`,
  );
}

/** A poll, a vote in it and its receipt; each answer is checked against the document too. */
async function makeFixture(api: Api, document: Json, checker: Checker): Promise<Fixture> {
  const created = await api('POST', '/api/v1/polls', {
    body: { question: 'Walk the API?', options: [{ label: 'Yes' }, { label: 'No' }] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assertDocumented(checker, operation(document, 'post', '/api/v1/polls'), created);
  const voted = await api('POST', `/api/v1/polls/${created.body.id}/votes`, {
    body: { optionIds: [created.body.options[0].id] },
    headers: { 'voter-token': `walker-${randomUUID()}` },
  });
  assert.equal(voted.status, 201, JSON.stringify(voted.body));
  assertDocumented(checker, operation(document, 'post', '/api/v1/polls/{pollId}/votes'), voted);
  return { pollId: created.body.id, manageToken: created.body.manageToken, receiptId: voted.body.receiptId };
}

/** The request an operation documents, filled from fixtures and its schemas. */
function requestFor(document: Json, { operation }: DocumentedOperation, fixture: Fixture, bearer?: string) {
  const values: Record<string, string> = { pollId: fixture.pollId, receiptId: fixture.receiptId };
  const path: Record<string, string> = {};
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const parameter of (operation.parameters ?? []) as Json[]) {
    const value = values[parameter.name] ?? String(sampleOf(document, parameter.schema, parameter.name));
    if (parameter.in === 'path') path[parameter.name] = value;
    else if (parameter.in === 'header') headers[parameter.name] = value;
    else if (parameter.in === 'query' && parameter.required) query.set(parameter.name, value);
  }
  const schemes = new Set(
    (operation.security ?? []).flatMap((requirement: Json) => Object.keys(requirement)),
  );
  if (schemes.has('bearer') && bearer) headers.authorization = `Bearer ${bearer}`;
  if (schemes.has('manageToken')) headers['manage-token'] = fixture.manageToken;
  if (schemes.has('voteReceipt')) headers['vote-receipt'] = fixture.receiptId;
  const body = operation.requestBody?.content?.['application/json']?.schema;
  return {
    headers,
    ...(body ? { body: sampleOf(document, body) } : {}),
    query: query.size > 0 ? `?${query}` : '',
    path: (template: string) =>
      template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(path[name]!)),
  };
}

// Reads first, on a poll whose results are in; everything else on a poll of its own.
const ORDER = ['get', 'post', 'put', 'patch', 'delete'];

async function walk(api: Api, bearer?: string): Promise<string[]> {
  const document = await publicDocument(api);
  const checker = responseChecker(document);
  const shared = await makeFixture(api, document, checker);
  await eventually(async () =>
    assert.equal((await api('GET', `/api/v1/polls/${shared.pollId}/results`)).status, 200),
  );
  const operations = operationsOf(document).sort((a, b) => ORDER.indexOf(a.method) - ORDER.indexOf(b.method));
  const log: string[] = [];
  for (const entry of operations) {
    const fixture = entry.method === 'get' ? shared : await makeFixture(api, document, checker);
    const request = requestFor(document, entry, fixture, bearer);
    const response = await api(entry.method.toUpperCase(), `${request.path(entry.path)}${request.query}`, {
      headers: request.headers,
      ...('body' in request ? { body: request.body } : {}),
    });
    assertDocumented(checker, entry, response);
    log.push(`${response.status} ${entry.method.toUpperCase()} ${entry.path}`);
  }
  return log;
}

export interface OpenApiTestOptions {
  /** An API key with every scope: the walk is made a second time with it. */
  bearer?: () => Promise<string>;
  /** Where the gateway listens (`http://host:port<path>`): the live route is opened for real. */
  url?: () => (path: string) => string;
}

export function openApiTests(api: () => Api, options: OpenApiTestOptions = {}): void {
  test('the public API description is valid OpenAPI 3.1 with valid JSON Schema 2020-12 schemas', async () => {
    const document = await publicDocument(api());
    const validator = new Validator();
    const result = await validator.validate(document);
    assert.deepEqual(result.errors ?? [], [], 'valid against the official OpenAPI schema');
    assert.equal(result.valid, true);
    assert.equal(validator.version, '3.1');
    assert.deepEqual(responseChecker(document).invalidSchemas(), []);
    // The reference page (Scalar) draws this document, loaded from this origin, with its bundle.
    const page = await api()('GET', '/api/docs/');
    assert.equal(page.status, 200);
    assert.match(page.headers['content-type'] ?? '', /^text\/html/);
    assert.match(page.body, /"url": "\/api\/openapi\.json"/);
    const bundle = await api()('GET', '/api/docs/js/scalar.js');
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers['content-type'] ?? '', /javascript/);
  });

  test('every documented operation answers as documented, without credentials', async (t) => {
    const log = await walk(api());
    t.diagnostic(log.join('\n'));
    assert.ok(log.some((line) => line.startsWith('200 GET /api/v1/polls/{pollId}/results')));
  });

  test('results of every poll type, and a page with hidden results, answer as documented', async () => {
    const document = await publicDocument(api());
    await checkResultBodies(api(), document, responseChecker(document));
  });

  const { url } = options;
  if (url) {
    test('the live route streams the documented messages over SSE and WebSocket', async () => {
      const document = await publicDocument(api());
      await checkLiveMessages(api(), document, responseChecker(document), url());
    });
  }

  if (options.bearer) {
    const bearer = options.bearer;
    test('every documented operation answers as documented, with an API key', async (t) => {
      const log = await walk(api(), await bearer());
      t.diagnostic(log.join('\n'));
      assert.ok(log.some((line) => line.startsWith('200 GET /api/v1/api-keys')));
    });
  }
}
