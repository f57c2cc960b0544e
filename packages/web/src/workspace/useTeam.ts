/**
 * The show's team in the workspace (issue 9): this account's role on the script's show, and
 * which rows the others are editing right now (from presence), so two editors see each other.
 */
import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ShowRole } from '@cuebe/protocol';
import type { SyncClient } from '@cuebe/client';
import { shows } from '../api/sm';
import { useLive } from '../live/useLive';

export function useShowRole(showId: string | undefined): ShowRole | null {
  const show = useQuery({ queryKey: ['show', showId], queryFn: () => shows.get(showId!), enabled: !!showId });
  return show.data?.role ?? null;
}

/** Element id → names of the other people editing it. */
export function useEditingBy(live: SyncClient, selfId: string): ReadonlyMap<string, readonly string[]> {
  const editors = useLive(live, (v) => v.presence?.editors);
  return useMemo(() => {
    const map = new Map<string, string[]>();
    for (const e of editors ?? []) {
      if (e.userId === selfId) continue;
      for (const id of e.editing) map.set(id, [...(map.get(id) ?? []), e.name]);
    }
    return map;
  }, [editors, selfId]);
}
