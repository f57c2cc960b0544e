/**
 * The show clock: elapsed show time and T-minus to the next cue. A leaf: it alone ticks every
 * frame (the playback state and the synced clock give the time; nothing is stored).
 */
import type { SyncClient } from '@cuebe/client';
import type { Element } from '@cuebe/protocol';
import { formatCountdown, formatShowTime } from './format';
import { useTicker } from './useTicker';

export function ShowClock({ live, next, big = false }: { live: SyncClient; next: Element | null; big?: boolean }) {
  const elapsed = useTicker(() => {
    const t = live.showTime();
    return t === null ? '–:––:––' : formatShowTime(t);
  }, [live]);
  return (
    <div className={`show-clock${big ? ' big' : ''}`} data-testid="show-clock">
      <span className="sc-elapsed mono" aria-label="Show time">
        {elapsed}
      </span>
      {next && <TMinus live={live} cue={next} />}
    </div>
  );
}

function TMinus({ live, cue }: { live: SyncClient; cue: Element }) {
  const text = useTicker(() => {
    const t = live.showTime();
    return t === null ? '' : formatCountdown(cue.offsetMs - t);
  }, [live, cue.offsetMs]);
  return (
    <span className="sc-tminus mono" aria-label={`Time to ${cue.name}`}>
      {text} <span className="sc-next">to {cue.name}</span>
    </span>
  );
}

/** A cue's countdown, ticking on its own. */
export function Countdown({ live, offsetMs }: { live: SyncClient; offsetMs: number }) {
  const text = useTicker(() => {
    const t = live.showTime();
    return t === null ? '' : formatCountdown(offsetMs - t);
  }, [live, offsetMs]);
  return <span className="countdown mono">{text}</span>;
}
