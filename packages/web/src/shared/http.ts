// The one way pages send a JSON API request: JSON body, Accept and language
// headers, a bearer token, no caching, and a deadline so a dead mobile
// connection fails instead of spinning forever. It rejects when no response
// arrived at all (offline, refused, past the deadline); each client (the
// itinerary card's, the health code's) maps that, and an error answer, to the
// one error type pages show: ApiError.

/** A failed request: the server's stable code and user-facing message, or a local one (NETWORK_ERROR). */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Seconds to wait before retrying, when the server said so (TOO_MANY_REQUESTS, a resend limit). */
  get retryAfterSeconds(): number | undefined {
    const v = Number(this.details.retryAfterSeconds);
    return Number.isFinite(v) && v > 0 ? Math.ceil(v) : undefined;
  }
}

export interface SendOptions {
  method?: string;
  body?: unknown;
  token?: string | null;
  lang: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function send(path: string, options: SendOptions): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Accept-Language': options.lang,
    ...options.headers,
  };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs ?? 20_000);
  try {
    return await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: abort.signal,
      cache: 'no-store',
      credentials: 'same-origin',
    });
  } finally {
    clearTimeout(timer);
  }
}
