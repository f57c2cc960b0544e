/**
 * The `Idempotency-Key` request header of REST writes (SPEC W1): a UUID the client makes once
 * per write and sends again, unchanged, on every retry of it.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, badRequest } from '../errors';

const Key = z.uuid();

/** The request's key, or null when it sent none. A malformed key is a 400, never ignored. */
export function idempotencyKey(req: FastifyRequest): string | null {
  const raw = req.headers['idempotency-key'];
  if (raw === undefined) return null;
  const value = Array.isArray(raw) ? null : raw.trim();
  if (value === null || !Key.safeParse(value).success)
    throw badRequest(
      'Idempotency-Key must be one UUID, made once per write and sent again on its retries',
      'Idempotency-Key',
    );
  return value.toLowerCase();
}

/** The same key sent with a different kind of write: the first write stands, this one is refused. */
export function keyReused(): AppError {
  return new AppError(
    422,
    'KEY_REUSED',
    'this Idempotency-Key was used for a different write; make a new key for each write',
    'Idempotency-Key',
  );
}
