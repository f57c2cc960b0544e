/**
 * "Stage manager is calling you": when the SM nudges this crew member, their devices vibrate,
 * sound and flash a banner — in show mode and in the script list alike. Only a nudge that
 * arrives while the page is open counts, not the one in the state the page joined with.
 */
import { useEffect, useRef, useState } from 'react';
import type { SyncClient } from '@cuebe/client';
import { useLive } from '../live/useLive';
import { alertNudge } from './alerts';

/** The banner stays this long unless tapped away. */
const SHOWN_MS = 10_000;

export function NudgeAlert({ live, crewId }: { live: SyncClient; crewId: string | null }) {
  const nudge = useLive(live, (v) => v.playback?.nudge ?? null);
  const elements = useLive(live, (v) => v.elements);
  const [shown, setShown] = useState<{ key: string; cueName: string | null } | null>(null);
  // undefined: no state seen yet; the first one is the state the page joined with.
  const seen = useRef<string | null | undefined>(undefined);
  const key = nudge ? `${nudge.crewId}@${nudge.atServerMs}` : null;
  const playbackKnown = useLive(live, (v) => v.playback !== null);
  useEffect(() => {
    if (!playbackKnown) return;
    const prev = seen.current;
    seen.current = key;
    if (prev === undefined || key === prev || !nudge || nudge.crewId !== crewId) return;
    alertNudge();
    setShown({ key: key!, cueName: nudge.cueId ? (elements.get(nudge.cueId)?.name ?? null) : null });
    // elements only names the cue (not a dependency): a script edit is not a new nudge.
  }, [key, crewId, playbackKnown]);
  useEffect(() => {
    if (!shown) return;
    const t = window.setTimeout(() => setShown(null), SHOWN_MS);
    return () => window.clearTimeout(t);
  }, [shown]);
  if (!shown) return null;
  return (
    <button type="button" className="nudge-flash" role="alert" data-testid="crew-nudge" onClick={() => setShown(null)}>
      <span className="nudge-word">Stage manager is calling you</span>
      {shown.cueName && <span className="nudge-cue">{shown.cueName}</span>}
      <span className="nudge-dismiss">Tap to dismiss</span>
    </button>
  );
}
