/**
 * Which of a crew member's devices cannot be trusted to show a call on time right now (K3):
 * per device ("iPhone · Safari AB12: clock not synced for 63 s"), aged by this device's synced
 * clock so a phone that stopped reporting turns stale here without a new message. Leaf
 * components: only they tick.
 */
import { CLOCK_QUALITY, deviceClockDoubt, describeClockDoubt, type PresenceCrew } from '@cuebe/protocol';
import type { SyncClient } from '@cuebe/client';
import { useTicker } from '../show/useTicker';

export interface DeviceDoubt {
  /** "iPhone · Safari AB12"; empty when the server did not say which device (before protocol 5). */
  device: string;
  text: string;
}

export function crewClockDoubts(c: PresenceCrew, serverNowMs: number | null): DeviceDoubt[] {
  if (c.deviceList) {
    const out: DeviceDoubt[] = [];
    for (const d of c.deviceList) {
      const doubt = deviceClockDoubt(d, serverNowMs ?? d.reportedAtServerMs ?? d.syncedAtServerMs ?? 0);
      if (doubt) out.push({ device: `${d.label} ${d.tag}`, text: describeClockDoubt(doubt) });
    }
    return out;
  }
  const s = c.sync;
  if (!s) return [];
  let text: string | null = null;
  if (s.hidden > 0) text = 'page hidden';
  else if (s.worstErrorMs === null || s.oldestSyncAgeMs === null) text = 'clock not synced yet';
  else if (s.oldestSyncAgeMs > CLOCK_QUALITY.staleMs) text = 'clock sync stale';
  else if (s.worstErrorMs > CLOCK_QUALITY.warnMs) text = `clock ±${Math.round(s.worstErrorMs)} ms`;
  return text ? [{ device: '', text }] : [];
}

/** " · ⚠ iPhone · Safari AB12: clock not synced for 63 s", one per doubtful device. */
export function ClockDoubts({ live, crew }: { live: SyncClient; crew: PresenceCrew }) {
  // The ticker re-renders this leaf when the words change (once a second at most while stale).
  useTicker(
    () =>
      crewClockDoubts(crew, live.serverNow())
        .map((d) => `${d.device}\n${d.text}`)
        .join('\n'),
    [live, crew],
  );
  const doubts = crewClockDoubts(crew, live.serverNow());
  return (
    <>
      {doubts.map((d, i) => (
        <span key={i} className="presence-doubt small" data-testid="rd-doubt">
          {' '}
          · ⚠ {d.device ? `${d.device}: ` : ''}
          {d.text}
        </span>
      ))}
    </>
  );
}

/** How many devices of these crew members are in doubt now. */
export function DoubtCount({ live, crew }: { live: SyncClient; crew: readonly PresenceCrew[] }) {
  const n = useTicker(
    () => crew.reduce((sum, c) => sum + crewClockDoubts(c, live.serverNow()).length, 0),
    [live, crew],
  );
  if (n === 0) return null;
  return (
    <span className="presence-doubt" data-testid="presence-doubt">
      {' '}
      · {n} not reliable
    </span>
  );
}
