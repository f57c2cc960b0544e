/**
 * The one way the app talks REST: JSON in, JSON out, every response parsed with its zod schema
 * (a response is input too), every failure an ApiError carrying the server's code and message.
 */
import { z } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** No answer at all (offline, server down): worth retrying, not the user's fault. */
  get network(): boolean {
    return this.status === 0;
  }
}

const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional().nullable() }),
});

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Crew share token, sent as Authorization: Bearer. */
  token?: string;
  /** Idempotency-Key of a write (keys.ts): the same on every retry of the same write. */
  key?: string;
  signal?: AbortSignal;
}

export async function request<S extends z.ZodType>(
  path: string,
  schema: S,
  opts: RequestOptions = {},
): Promise<z.infer<S>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.key) headers['idempotency-key'] = opts.key;
  let res: Response;
  try {
    res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', 'Cannot reach the server. Check the connection and try again.');
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError(res.status, 'BAD_RESPONSE', `Unexpected answer from the server (HTTP ${res.status}).`);
    }
  }
  if (!res.ok) {
    const parsed = ErrorBody.safeParse(json);
    if (parsed.success) {
      const e = parsed.data.error;
      throw new ApiError(res.status, e.code, e.message, e.field ?? undefined);
    }
    throw new ApiError(res.status, 'HTTP_' + res.status, `The server answered HTTP ${res.status}.`);
  }
  const parsed = schema.safeParse(res.status === 204 ? {} : json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      res.status,
      'BAD_RESPONSE',
      `Unexpected answer from the server at ${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

export const NoContent = z.object({});
