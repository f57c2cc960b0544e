/**
 * The crew member's access, from their share token: 'no-token' | 'loading' | 'ready' |
 * 'denied' (401/403/404: the link is expired, revoked or unknown) | 'error' (network etc.).
 */
import { useQuery } from '@tanstack/react-query';
import { crewAccess } from '../api/crew';
import { ApiError } from '../api/http';
import type { CrewMe } from '../api/schemas';
import { crewToken } from '../lib/crewToken';

export type Denied = { status: 'denied'; error: ApiError };
export type CrewAccess =
  | { status: 'no-token' }
  | { status: 'loading' }
  | { status: 'ready'; token: string; me: CrewMe }
  | Denied
  | { status: 'error'; error: Error };

export function isDenial(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404);
}

export function useCrewAccess(): CrewAccess {
  const token = crewToken();
  const q = useQuery({
    queryKey: ['crew-me', token],
    queryFn: () => crewAccess.me(token!),
    enabled: token !== null,
    retry: (n, err) => !isDenial(err) && n < 3,
  });
  if (!token) return { status: 'no-token' };
  if (q.isPending) return { status: 'loading' };
  if (q.isError) {
    if (isDenial(q.error)) return { status: 'denied', error: q.error };
    return { status: 'error', error: q.error };
  }
  return { status: 'ready', token, me: q.data };
}
