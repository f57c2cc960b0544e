/**
 * The moments of a performance, for the show report: house open, acts and intervals starting
 * and ending (only the marks that apply now are enabled), timestamped notes, and the part
 * running now ("Act 1 · 12:34", ticking on its own).
 */
import { useState } from 'react';
import { z } from 'zod';
import type { SyncClient } from '@cuebe/client';
import { PLAYBACK_LIMITS, type Mark, type PlaybackCommand, type PlaybackState } from '@cuebe/protocol';
import { request } from '../api/http';
import { formatElapsed } from './format';
import { useTicker } from './useTicker';

const RUNNING = ['PLAYING', 'PAUSED', 'SAFETY'];

const MARK_LABEL: Record<Mark, string> = {
  houseOpen: 'House open',
  actStart: 'Act start',
  actEnd: 'Act end',
  intervalStart: 'Interval start',
  intervalEnd: 'Interval end',
};

/** Only the parts of this performance's report, to number the next act ("Act 2"). */
const ReportParts = z.object({
  report: z.object({ parts: z.array(z.object({ kind: z.enum(['act', 'interval']) })) }),
});

export function ShowMarks({
  live,
  playback,
  send,
}: {
  live: SyncClient;
  playback: PlaybackState;
  send: (cmd: PlaybackCommand) => void;
}) {
  const [note, setNote] = useState('');
  const running = RUNNING.includes(playback.status);
  const { part } = playback;
  const enabled: Record<Mark, boolean> = {
    houseOpen: playback.status === 'STOPPED' && playback.houseOpenAtServerMs === null,
    actStart: running && part === null,
    actEnd: part?.kind === 'act',
    intervalStart: running && part === null,
    intervalEnd: part?.kind === 'interval',
  };

  const mark = async (m: Mark) => {
    if (m !== 'actStart' && m !== 'intervalStart') return send({ kind: 'mark', mark: m });
    const kind = m === 'actStart' ? 'act' : 'interval';
    // Number the part from this performance's report; without it the server names it plainly.
    let label: string | undefined;
    if (playback.performanceId) {
      const n = await request(`/api/performances/${playback.performanceId}/report`, ReportParts)
        .then((r) => r.report.parts.filter((p) => p.kind === kind).length)
        .catch(() => null);
      if (n !== null) label = kind === 'act' ? `Act ${n + 1}` : n === 0 ? 'Interval' : `Interval ${n + 1}`;
    }
    send({ kind: 'mark', mark: m, ...(label ? { label } : {}) });
  };

  return (
    <div className="lp-row lp-marks">
      <PartClock live={live} playback={playback} />
      <div className="lp-transport" role="group" aria-label="Marks">
        {(Object.keys(MARK_LABEL) as Mark[]).map((m) => (
          <button key={m} type="button" disabled={!enabled[m]} onClick={() => void mark(m)}>
            {MARK_LABEL[m]}
          </button>
        ))}
      </div>
      <form
        className="lp-inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (!note.trim()) return;
          send({ kind: 'note', text: note.trim() });
          setNote('');
        }}
      >
        <input
          aria-label="Show note"
          placeholder={playback.performanceId ? 'Note for the show report' : 'Notes once the show runs'}
          value={note}
          maxLength={PLAYBACK_LIMITS.maxNoteLength}
          onChange={(e) => setNote(e.target.value)}
        />
        <button disabled={!playback.performanceId || !note.trim()}>Add note</button>
      </form>
    </div>
  );
}

/** "Act 1 · 12:34" (time in the part), or "House open · 3:10" before the show starts. */
function PartClock({ live, playback }: { live: SyncClient; playback: PlaybackState }) {
  const { part } = playback;
  const house = playback.status === 'STOPPED' ? playback.houseOpenAtServerMs : null;
  const since = part?.sinceServerMs ?? house;
  const label = part ? part.label : 'House open';
  const text = useTicker(() => {
    const now = live.serverNow();
    return since === null || now === null ? '' : formatElapsed(now - since);
  }, [live, since]);
  if (since === null) return null;
  return (
    <span className="lp-part" data-testid="live-part">
      {label} · <span className="mono">{text}</span>
    </span>
  );
}
