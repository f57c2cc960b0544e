/**
 * How the show report writes times: durations and show times as H:MM:SS, differences signed,
 * server times as wall-clock times in this device's time zone.
 */
import { formatOffset } from '../lib/time';

const DASH = '—';

/** A duration or show time, rounded to the second ("1:02:03"); a dash when unknown. */
export function duration(ms: number | null): string {
  return ms === null ? DASH : formatOffset(Math.round(ms / 1000) * 1000);
}

/** A difference from plan: "+0:00:04" late, "−0:01:10" early, "0:00:00" on time. */
export function delta(ms: number | null): string {
  if (ms === null) return DASH;
  const s = Math.round(ms / 1000);
  if (s === 0) return '0:00:00';
  return `${s > 0 ? '+' : '−'}${formatOffset(Math.abs(s) * 1000)}`;
}

/** A moment as a local clock time ("19:32:10"). */
export function clock(atMs: number | null, hour24: boolean): string {
  if (atMs === null) return DASH;
  return new Date(atMs).toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: !hour24,
  });
}

/** A performance's date ("27 Nov 2026, 19:30"). */
export function dateTime(atMs: number, hour24: boolean): string {
  return new Date(atMs).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short', hour12: !hour24 });
}

/** How long a crew member took to answer a standby ("1.4 s", "2 min 05 s"). */
export function answerTime(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** ISO string for a <time dateTime>. */
export const iso = (atMs: number) => new Date(atMs).toISOString();
