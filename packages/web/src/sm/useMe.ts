/** The logged-in stage manager: 'loading' | 'anonymous' | 'user' | 'error'. */
import { useQuery } from '@tanstack/react-query';
import type { User } from '@cuebe/protocol';
import { auth } from '../api/sm';
import { ApiError } from '../api/http';

export type MeState =
  { status: 'loading' } | { status: 'anonymous' } | { status: 'user'; user: User } | { status: 'error'; error: Error };

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
  if (q.isPending) return { status: 'loading' };
  if (q.isError) return { status: 'error', error: q.error };
  return q.data ? { status: 'user', user: q.data } : { status: 'anonymous' };
}
