/**
 * The SM's change alerts, kept with the account (GET/PATCH /api/auth/me/preferences), so every
 * device the SM logs in on behaves the same: a toast (and a chime) for other people's changes.
 */
import { useCallback, useMemo, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SyncClient } from '@cuebe/client';
import { DEFAULT_NOTIFY_PREFS, type NotifyPrefs } from '@cuebe/protocol';
import { preferences } from '../api/paperwork';
import { ChangeToast } from '../crew/ChangeToast';
import { NotifySettings } from '../crew/NotifySettings';
import { chime } from '../lib/notifyPrefs';

function useAccountNotify() {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['preferences'], queryFn: preferences.get });
  // Changes show at once — a controlled checkbox must flip in the same render as its click, not
  // after the server answers — and stay shown until the server's state is read back after the
  // last of them settles (a read answered between two quick changes must not undo the second).
  // A refused change disappears with that read, so the page shows what is saved.
  const [pending, setPending] = useState<Partial<NotifyPrefs>>({});
  const save = useMutation({
    mutationKey: ['preferences'],
    mutationFn: (patch: Partial<NotifyPrefs>) => preferences.setNotify(patch),
    // While onSettled runs, this mutation still counts as pending: 1 means no other is.
    onSettled: async () => {
      const alone = () => qc.isMutating({ mutationKey: ['preferences'] }) === 1;
      if (!alone()) return;
      await qc.invalidateQueries({ queryKey: ['preferences'] });
      if (alone()) setPending({});
    },
  });
  const change = useCallback(
    (patch: Partial<NotifyPrefs>) => {
      setPending((p) => ({ ...p, ...patch }));
      save.mutate(patch);
    },
    [save],
  );
  const prefs = useMemo(
    () => ({ ...(q.data?.preferences.notify ?? DEFAULT_NOTIFY_PREFS), ...pending }),
    [q.data, pending],
  );
  return { prefs, save: change };
}

export function AccountAlertSettings() {
  const { prefs, save } = useAccountNotify();
  return <NotifySettings prefs={prefs} onChange={save} departmentsLabel="Cues (chosen departments)" />;
}

export function AccountChangeToast({ live }: { live: SyncClient }) {
  const { prefs } = useAccountNotify();
  const mine = useMemo<ReadonlySet<string> | 'all'>(
    () => (prefs.departmentIds.length === 0 ? 'all' : new Set(prefs.departmentIds)),
    [prefs.departmentIds],
  );
  return <ChangeToast live={live} prefs={prefs} mine={mine} onNotify={prefs.sound ? chime : undefined} />;
}
