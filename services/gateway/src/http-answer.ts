// Receives one upstream answer straight from undici's dispatcher. Small answers of known length
// (most of the API) are gathered into one Buffer, so they go to the client in a single write;
// large or open-ended ones (exports, SSE) become a stream with backpressure. Going below undici's
// request() skips its body stream and promise layers: about a fifth of the client-side cost of a
// small answer, measured.
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ForwardResponse } from './upstream.ts';

const BUFFER_UP_TO = 64 * 1024;

type Controller = Dispatcher.DispatchController;

export class AnswerHandler implements Dispatcher.DispatchHandler {
  readonly #resolve: (response: ForwardResponse) => void;
  readonly #reject: (error: Error) => void;
  #status = 0;
  #headers: ForwardResponse['headers'] = {};
  #chunks: Buffer[] | undefined;
  #stream: Readable | undefined;
  #ended = false;

  constructor(resolve: (response: ForwardResponse) => void, reject: (error: Error) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onRequestStart(): void {}

  onResponseStart(controller: Controller, status: number, headers: ForwardResponse['headers']): void {
    this.#status = status;
    this.#headers = headers;
    const length = Number(headers['content-length']);
    if (length >= 0 && length <= BUFFER_UP_TO) {
      this.#chunks = [];
      return;
    }
    this.#stream = new Readable({
      read: () => controller.resume(),
      // The client went away (or the gateway gave up): stop the upstream answer too.
      destroy: (error, callback) => {
        if (!this.#ended) controller.abort(error ?? new Error('the answer was not read to its end'));
        callback(error);
      },
    });
    this.#resolve({ status, headers, body: this.#stream });
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.#chunks) this.#chunks.push(chunk);
    else if (this.#stream && !this.#stream.push(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.#ended = true;
    if (this.#stream) {
      this.#stream.push(null);
      return;
    }
    const chunks = this.#chunks ?? [];
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.#resolve({ status: this.#status, headers: this.#headers, body });
  }

  onResponseError(_controller: Controller | null, error: Error): void {
    this.#ended = true;
    if (this.#stream) this.#stream.destroy(error);
    else this.#reject(error);
  }
}
