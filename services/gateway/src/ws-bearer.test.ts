import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { takeBearerProtocol } from './ws-bearer.ts';

function upgrade(rawHeaders: string[]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    headers[name] = headers[name] ? `${headers[name]}, ${rawHeaders[i + 1]}` : rawHeaders[i + 1]!;
  }
  return { headers, rawHeaders } as unknown as IncomingMessage;
}

test('the bearer subprotocol is taken out of both header views; the others stay', () => {
  const request = upgrade([
    'Host',
    'canvass.test',
    'Sec-WebSocket-Protocol',
    'canvass.v1, canvass.bearer.eyJ.abc-_.x',
    'Upgrade',
    'websocket',
  ]);
  assert.equal(takeBearerProtocol(request), 'eyJ.abc-_.x');
  assert.equal(request.headers['sec-websocket-protocol'], 'canvass.v1');
  assert.deepEqual(request.rawHeaders, [
    'Host',
    'canvass.test',
    'Upgrade',
    'websocket',
    'Sec-WebSocket-Protocol',
    'canvass.v1',
  ]);
});

test('a bearer offered alone leaves no subprotocol header; repeated header lines are handled', () => {
  const alone = upgrade(['sec-websocket-protocol', 'canvass.bearer.token-1']);
  assert.equal(takeBearerProtocol(alone), 'token-1');
  assert.equal(alone.headers['sec-websocket-protocol'], undefined);
  assert.deepEqual(alone.rawHeaders, []);

  const split = upgrade([
    'Sec-WebSocket-Protocol',
    'canvass.bearer.first',
    'Sec-WebSocket-Protocol',
    'canvass.v1',
  ]);
  assert.equal(takeBearerProtocol(split), 'first');
  assert.equal(split.headers['sec-websocket-protocol'], 'canvass.v1');
  assert.deepEqual(split.rawHeaders, ['Sec-WebSocket-Protocol', 'canvass.v1']);
});

test('without a bearer subprotocol nothing changes', () => {
  const request = upgrade(['Sec-WebSocket-Protocol', 'canvass.v1']);
  assert.equal(takeBearerProtocol(request), undefined);
  assert.deepEqual(request.rawHeaders, ['Sec-WebSocket-Protocol', 'canvass.v1']);
  assert.equal(takeBearerProtocol(upgrade([])), undefined);
  assert.equal(takeBearerProtocol(upgrade(['Sec-WebSocket-Protocol', 'canvass.bearer.'])), '');
});
