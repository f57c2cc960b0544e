/**
 * One error type for REST and socket alike: a stable code, an HTTP status, a message for
 * people, and the field at fault when there is one.
 */
import type { ErrorCode } from '@cuebe/protocol';
import type { ZodError } from 'zod';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'UNAUTHORIZED' | 'CONFLICT' | 'EXPIRED' | 'REVOKED' | 'TOO_LARGE' | 'KEY_REUSED',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (message: string, field?: string) => new AppError(400, 'BAD_MESSAGE', message, field);
export const unauthorized = (message = 'log in first') => new AppError(401, 'UNAUTHORIZED', message);
export const forbidden = (message = 'not allowed') => new AppError(403, 'FORBIDDEN', message);
export const notFound = (what: string) => new AppError(404, 'NOT_FOUND', `${what} not found`);
export const conflict = (message: string, field?: string) => new AppError(409, 'CONFLICT', message, field);

/** A zod failure as a 400 naming the first field at fault. */
export function fromZod(error: ZodError, prefix = ''): AppError {
  const issue = error.issues[0];
  // An unknown key in a strict object is reported at the object; name the key itself.
  const keys = issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
  const path = [...(issue?.path.map(String) ?? []), ...keys].join('.');
  const field = [prefix, path].filter(Boolean).join('.') || undefined;
  const message = field ? `${field}: ${issue?.message ?? 'invalid'}` : (issue?.message ?? 'invalid input');
  return new AppError(400, 'BAD_MESSAGE', message, field);
}

/** Errors that mean the database cannot be reached right now (retry later), not a bad request. */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; cause?: unknown } | null;
  if (!e) return false;
  const codes = [
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    '57P01',
    '57P02',
    '57P03',
    '08000',
    '08003',
    '08006',
    '08001',
    '53300',
    // statement_timeout, idle_in_transaction_session_timeout (DbTimeouts)
    '57014',
    '25P03',
  ];
  if (e.code && codes.includes(e.code)) return true;
  if (
    e.message &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|Client was closed and is not queryable/i.test(
      e.message,
    )
  )
    return true;
  return e.cause !== undefined && e.cause !== err && isUnavailable(e.cause);
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: unknown } | null;
  if (!e) return false;
  if (e.code === '23505') return true;
  return e.cause !== undefined && e.cause !== err && isUniqueViolation(e.cause);
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: a value out of range, a character it cannot
 * store): the values at fault are the request's, so the same request fails the same way again.
 */
export function isDataException(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | null, i = 0; e && i < 5; i++) {
    if (typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** A repeatable-read or serializable transaction lost to a concurrent commit (SQLSTATE 40001): run it again. */
export function isSerializationFailure(err: unknown): boolean {
  const e = err as { code?: string; cause?: unknown } | null;
  if (!e) return false;
  if (e.code === '40001') return true;
  return e.cause !== undefined && e.cause !== err && isSerializationFailure(e.cause);
}
