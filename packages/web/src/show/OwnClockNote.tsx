/**
 * A crew phone says how far its own clock can be trusted (K4): nothing while it meets the
 * target, a quiet note of its bound above it, a clear warning when the bound is past what the SM
 * is warned about or it has not synced for a while. A leaf: only it ticks.
 */
import { ownClockState } from '@cuebe/protocol';
import type { SyncClient } from '@cuebe/client';
import { useTicker } from './useTicker';

function describe(live: SyncClient): string {
  const s = ownClockState(live.syncQuality());
  switch (s.level) {
    case 'ok':
      return '';
    case 'quiet':
      return `quiet:Clock ±${Math.round(s.errorMs)} ms`;
    case 'clear':
      return s.reason === 'stale'
        ? `clear:Clock not synced for ${Math.floor(s.ageMs / 1000)} s: countdowns may be off. Check the Wi-Fi.`
        : `clear:Clock may be off by up to ±${Math.round(s.errorMs)} ms: countdowns are approximate. Check the Wi-Fi.`;
  }
}

export function OwnClockNote({ live }: { live: SyncClient }) {
  const text = useTicker(() => describe(live), [live]);
  if (!text) return null;
  const [level, words] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
  return level === 'quiet' ? (
    <p className="own-clock quiet" role="status" aria-label="Clock accuracy">
      {words}
    </p>
  ) : (
    <p className="own-clock clear" role="alert" aria-label="Clock warning">
      ⚠ {words}
    </p>
  );
}
