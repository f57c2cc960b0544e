/**
 * Notification preferences: which live changes make a toast (and a sound) on a device. Crew keep
 * theirs on the device; a stage manager's follow their account (users.preferences).
 */
import { z } from 'zod';
import type { Element } from './domain';
import { Id } from './domain';
import type { Change } from './messages';

export const NOTIFY_CHANGES = ['departments', 'all', 'none'] as const;

export const NotifyPrefs = z.strictObject({
  /**
   * 'departments': changes to cues of my departments (crew: the link's; an SM: `departmentIds`,
   * or every department's cues when empty) · 'all': any edit · 'none': no toasts.
   */
  changes: z.enum(NOTIFY_CHANGES),
  departmentIds: z.array(Id).max(100),
  /** A short chime with the toast. */
  sound: z.boolean(),
});
export type NotifyPrefs = z.infer<typeof NotifyPrefs>;

export const DEFAULT_NOTIFY_PREFS: NotifyPrefs = { changes: 'all', departmentIds: [], sound: false };

/** An account's stored preferences. Read leniently: a damaged or older record falls back field by field. */
export const AccountPreferences = z.object({
  notify: z
    .object({
      changes: NotifyPrefs.shape.changes.catch(DEFAULT_NOTIFY_PREFS.changes),
      departmentIds: NotifyPrefs.shape.departmentIds.catch([]),
      sound: NotifyPrefs.shape.sound.catch(DEFAULT_NOTIFY_PREFS.sound),
    })
    .catch(DEFAULT_NOTIFY_PREFS),
});
export type AccountPreferences = z.infer<typeof AccountPreferences>;

/** PATCH /api/auth/me/preferences: any of the fields. */
export const PreferencesPatch = z.strictObject({ notify: NotifyPrefs.partial() });

/**
 * Does this change (someone else's) call for a notification under `prefs`? `mine` is the set of
 * departments that count as the reader's ('all' for a link that sees every department);
 * `before` is the reader's state before the change, for what a delete removed.
 */
export function changeNotifies(
  change: Pick<Change, 'patch'>,
  before: ReadonlyMap<string, Element>,
  prefs: Pick<NotifyPrefs, 'changes'>,
  mine: ReadonlySet<string> | 'all',
): boolean {
  if (prefs.changes === 'none') return false;
  if (prefs.changes === 'all') return true;
  const ours = (el: Element | undefined) =>
    el?.type === 'CUE' && el.departmentId !== null && (mine === 'all' || mine.has(el.departmentId));
  return (
    change.patch.upserts.some((el) => ours(el) || ours(before.get(el.id))) ||
    change.patch.deletes.some((id) => ours(before.get(id)))
  );
}
