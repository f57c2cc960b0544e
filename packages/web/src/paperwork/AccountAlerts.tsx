/**
 * The SM's change alerts, kept with the account (GET/PATCH /api/auth/me/preferences), so every
 * device the SM logs in on behaves the same: a toast (and a chime) for other people's changes.
 */
import { useMemo } from 'react';
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
  type Prefs = Awaited<ReturnType<typeof preferences.get>>;
  // Applied at once (a checkbox must not wait for the server to flip), put back if refused.
  const save = useMutation({
    mutationFn: (patch: Partial<NotifyPrefs>) => preferences.setNotify(patch),
    onMutate: async (patch) => {
      await qc.cancelQueries({ queryKey: ['preferences'] });
      const before = qc.getQueryData<Prefs>(['preferences']);
      if (before)
        qc.setQueryData<Prefs>(['preferences'], {
          ...before,
          preferences: { ...before.preferences, notify: { ...before.preferences.notify, ...patch } },
        });
      return { before };
    },
    onError: (_err, _patch, context) => {
      if (context?.before) qc.setQueryData(['preferences'], context.before);
    },
    onSettled: () => qc.invalidateQueries({ queryKey: ['preferences'] }),
  });
  return { prefs: q.data?.preferences.notify ?? DEFAULT_NOTIFY_PREFS, save: save.mutate };
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
