/**
 * The logged-in stage manager: 'loading' | 'anonymous' | 'user' | 'error'. With no answer from
 * the server (offline, server down) the account last signed in on this device stands in, marked
 * `offline`, so the SM's pages still open with what this device holds (docs/SPEC.md SC2); the
 * server's own answer replaces it as soon as there is one.
 */
import { useEffect, useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { User } from '@cuebe/protocol';
import { auth } from '../api/sm';
import { ApiError } from '../api/http';
import { forgetUser, lastUser, rememberUser } from '../lib/lastUser';

export type MeState =
  | { status: 'loading' }
  | { status: 'anonymous' }
  | { status: 'user'; user: User; offline?: boolean }
  | { status: 'error'; error: Error };

export const ME_KEY = ['me'] as const;

export function useMe(): MeState {
  const q = useQuery({
    queryKey: ME_KEY,
    queryFn: async () => {
      try {
        return (await auth.me()).user;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 60_000,
    retry: (n, err) => err instanceof ApiError && err.network && n < 3,
  });
  const remembered = useMemo(lastUser, []);
  useEffect(() => {
    if (q.data) rememberUser(q.data);
    else if (q.data === null) forgetUser();
  }, [q.data]);
  // An answer once had stands while a later check fails for want of a network.
  if (q.data !== undefined && !(q.isError && !(q.error instanceof ApiError && q.error.network)))
    return q.data ? { status: 'user', user: q.data } : { status: 'anonymous' };
  const unreachable = q.isPending || (q.error instanceof ApiError && q.error.network);
  if (unreachable && remembered) return { status: 'user', user: remembered, offline: true };
  if (q.isPending) return { status: 'loading' };
  return { status: 'error', error: q.error ?? new Error('no answer from the server') };
}
