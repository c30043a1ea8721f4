// A tiny client for the public API, over HTTP (cluster tier) or by injection (embedded tier).
import type { FastifyInstance } from 'fastify';

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back.
  body: any;
}

export type Api = (
  method: string,
  url: string,
  init?: { body?: unknown; rawBody?: string; headers?: Record<string, string> },
) => Promise<ApiResponse>;

type Init = NonNullable<Parameters<Api>[2]>;
const hasBody = (init: Init) => init.body !== undefined || init.rawBody !== undefined;
const bodyText = (init: Init) => init.rawBody ?? JSON.stringify(init.body);

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function injectApi(app: FastifyInstance): Api {
  return async (method, url, init = {}) => {
    const response = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...(hasBody(init) ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(hasBody(init) ? { payload: bodyText(init) } : {}),
    });
    return {
      status: response.statusCode,
      headers: Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, String(v)])),
      body: parse(response.body),
    };
  };
}

export function httpApi(baseUrl: string): Api {
  return async (method, url, init = {}) => {
    const response = await fetch(new URL(url, baseUrl), {
      method,
      headers: { ...(hasBody(init) ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(hasBody(init) ? { body: bodyText(init) } : {}),
    });
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: parse(await response.text()),
    };
  };
}

/** Retries `check` until it stops throwing (read models are eventually consistent). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
