// The one way to call the REST API: same origin, cookies, Paca's envelope, one refresh on 401.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The current state of what a stale write targeted (409 TASK_VERSION_CONFLICT). */
  readonly current?: unknown;

  constructor(status: number, code: string, message: string, current?: unknown) {
    super(message);
    this.status = status;
    this.code = code;
    this.current = current;
  }
}

type Listener = () => void;
const passwordChangeListeners = new Set<Listener>();
const signedOutListeners = new Set<Listener>();

/** Called when the server says the password must change first. */
export function onPasswordChangeRequired(fn: Listener): () => void {
  passwordChangeListeners.add(fn);
  return () => passwordChangeListeners.delete(fn);
}

/** Called when the session is gone and cannot be refreshed. */
export function onSignedOut(fn: Listener): () => void {
  signedOutListeners.add(fn);
  return () => signedOutListeners.delete(fn);
}

let refreshing: Promise<boolean> | null = null;

/** One refresh at a time; every caller that got a 401 waits for the same one. */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    refreshing = fetch('/api/v1/auth/refresh', { method: 'POST', credentials: 'include' })
      .then((r) => r.ok)
      .catch(() => false)
      .finally(() => {
        setTimeout(() => (refreshing = null), 0);
      });
  }
  return refreshing;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Do not try a refresh on 401 (login, refresh itself, the first session probe). */
  noRefresh?: boolean;
  signal?: AbortSignal;
  /** Let the request finish even if the page is closed or reloaded (small bodies only). */
  keepalive?: boolean;
}

async function send(method: string, path: string, body: unknown, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'include',
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: opts.signal,
    keepalive: opts.keepalive,
  });
}

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  let res = await send(method, path, body, opts);
  if (res.status === 401 && !opts.noRefresh && !path.startsWith('/auth/')) {
    if (await refreshSession()) {
      res = await send(method, path, body, opts);
    }
    if (res.status === 401) signedOutListeners.forEach((fn) => fn());
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok || (json && json.success === false)) {
    const code = json?.error_code ?? `HTTP_${res.status}`;
    const message = json?.error ?? (res.statusText || `request failed (${res.status})`);
    if (res.status === 403 && code === 'AUTH_PASSWORD_CHANGE_REQUIRED') {
      passwordChangeListeners.forEach((fn) => fn());
    }
    throw new ApiError(res.status, code, message, json?.current);
  }
  return (json?.data ?? json) as T;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body ?? {}, opts),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, body ?? {}, opts),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, body ?? {}, opts),
  del: <T>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, undefined, opts),
};

/** The server's words for an error, for showing to people. */
export function errorText(err: unknown): string {
  // The server's "insufficient permissions" is for programs; people get a sentence.
  if (err instanceof ApiError && err.status === 403) {
    return /insufficient permissions|forbidden/i.test(err.message) || !err.message
      ? 'You do not have permission to do this. Ask a project or system administrator for access.'
      : err.message;
  }
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Query string from the defined values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}
