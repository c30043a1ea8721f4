// Talks to the operator API through the gateway, turning problem+json answers into CliError.
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export interface AdminClient {
  readonly url: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  stream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>>;
}

export function adminClient(url: string, token: string | undefined): AdminClient {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

  async function call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, url), {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw new CliError(
        `Cannot reach Canvass at ${url} (${(error as Error).cause ?? (error as Error).message}). Is it running?`,
      );
    }
    if (!response.ok) {
      const text = await response.text();
      let detail = text;
      try {
        const problem = JSON.parse(text) as { title?: string; detail?: string };
        detail = [problem.title, problem.detail].filter(Boolean).join(': ');
      } catch {}
      const hint =
        response.status === 401 || response.status === 403
          ? ' (check CANVASS_ADMIN_TOKEN or .canvass/admin-token)'
          : '';
      throw new CliError(`${method} ${path} failed with ${response.status}: ${detail}${hint}`);
    }
    return response;
  }

  return {
    url,
    get: async <T>(path: string) => (await (await call('GET', path)).json()) as T,
    post: async <T>(path: string, body?: unknown) =>
      (await (await call('POST', path, body ?? {})).json()) as T,
    async stream(path, signal) {
      const response = await call('GET', path, undefined, signal);
      if (!response.body) throw new CliError(`GET ${path} returned no stream`);
      return response.body;
    },
  };
}
