/**
 * Times in a calling script: an offset from the planned start shown as H:MM:SS (negative is
 * pre-show), or the clock time it falls at when the script has a planned start.
 */

export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const total = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${sign}${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/**
 * Reads "1:02:03", "2:03", "45", "-0:05:00" (also with "." as separator, and "+").
 * Returns milliseconds or null when the text is not a time.
 */
export function parseOffset(text: string): number | null {
  const t = text.trim().replace(/\./g, ':');
  const m = /^([+-])?(\d{1,2}(?::\d{1,2}){0,2})$/.exec(t);
  if (!m) return null;
  const nums = m[2]!.split(':').map(Number);
  while (nums.length < 3) nums.unshift(0);
  const [h, min, s] = nums as [number, number, number];
  // With separators, minutes and seconds are clock digits; a bare number is seconds.
  if (m[2]!.includes(':') && (min > 59 || s > 59)) return null;
  const ms = ((h * 60 + min) * 60 + s) * 1000;
  return m[1] === '-' ? -ms : ms;
}

/** The wall-clock time an offset falls at, from an ISO planned start. */
export function formatClock(plannedStart: string, ms: number, hour24: boolean): string {
  const at = new Date(Date.parse(plannedStart) + ms);
  return at.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: !hour24,
  });
}

/** Reads a clock time "19:32:10" (or "7:32 pm") relative to the planned start's day; ms offset. */
export function parseClock(plannedStart: string, text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?$/i.exec(text.trim());
  if (!m) return null;
  let h = Number(m[1]);
  const min = Number(m[2]);
  const s = Number(m[3] ?? 0);
  const ampm = m[4]?.toLowerCase();
  if (ampm === 'pm' && h < 12) h += 12;
  if (ampm === 'am' && h === 12) h = 0;
  if (h > 23 || min > 59 || s > 59) return null;
  const start = new Date(plannedStart);
  const at = new Date(start);
  at.setHours(h, min, s, 0);
  return at.getTime() - start.getTime();
}

export function formatDateTime(iso: string, hour24: boolean): string {
  return new Date(iso).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'short',
    hour12: !hour24,
  });
}

/** "3 s ago", "5 min ago", … for history and notices. */
export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
