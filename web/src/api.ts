// Every call to the server goes through here: same-origin fetch with the session cookie (the API key is never
// in a URL or in storage), errors turned into one ApiError shape, and 401 handed to the sign-in view.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** 1-based character position in a query or formula, when the server names one. */
    readonly position?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get unauthorized(): boolean {
    return this.status === 401;
  }
}

export type Params = Record<string, string | number | boolean | null | undefined>;

/** A path with query parameters; null, undefined and empty values are left out. */
export function buildPath(path: string, params: Params = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') {
      search.append(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/** An ApiError from an error answer: problem JSON when it is one, otherwise the status alone. */
export function parseProblem(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object') {
    const p = body as Record<string, unknown>;
    const code = typeof p.code === 'string' ? p.code : `http_${status}`;
    const message = typeof p.message === 'string' ? p.message
      : typeof p.detail === 'string' ? p.detail
      : typeof p.title === 'string' ? p.title
      : `The server answered ${status}`;
    const field = typeof p.field === 'string' ? p.field : undefined;
    const position = typeof p.position === 'number' ? p.position : undefined;
    return new ApiError(status, code, message, field, position);
  }
  return new ApiError(status, `http_${status}`, `The server answered ${status}`);
}

let unauthorizedHandler: ((error: ApiError) => void) | null = null;

/** Called on any 401, so a lapsed session shows the sign-in form wherever it happens. */
export function onUnauthorized(handler: (error: ApiError) => void): void {
  unauthorizedHandler = handler;
}

export interface RequestOptions {
  /**
   * Leave a 401 to the caller instead of showing the sign-in form: for requests started before the session is
   * known, which must not speak for it (the session check decides whether to ask for a key).
   */
  quiet?: boolean;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

async function request<T>(method: string, path: string, body: unknown, signal?: AbortSignal, options: RequestOptions = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (e) {
    if (isAbort(e)) {
      throw e;
    }
    throw new ApiError(0, 'network', 'Cannot reach the Sluice server. Check that it is running, then retry.');
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (!response.ok) {
    const error = parseProblem(response.status, parsed);
    if (error.unauthorized && unauthorizedHandler && !options.quiet) {
      unauthorizedHandler(error);
    }
    throw error;
  }
  if (text && parsed === undefined) {
    throw new ApiError(response.status, 'bad_answer', `The server's answer to ${path} was not JSON`);
  }
  return parsed as T;
}

export function getJson<T>(path: string, params?: Params, signal?: AbortSignal, options?: RequestOptions): Promise<T> {
  return request<T>('GET', buildPath(path, params), undefined, signal, options);
}

export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>('POST', path, body ?? {}, signal);
}
