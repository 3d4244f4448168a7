// The one way pages send a JSON API request: JSON body, Accept and language
// headers, a bearer token, no caching, and a deadline so a dead mobile
// connection fails instead of spinning forever. It rejects when no response
// arrived at all (offline, refused, past the deadline); each client (the
// itinerary card's, the health code's) maps that to its own error type.

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
