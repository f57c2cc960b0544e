/**
 * "Jane updated LX 5": a quiet toast for each change from the SM, also read out by screen
 * readers (aria-live). Its own leaf, so a toast coming and going re-renders nothing else.
 */
import { useEffect, useRef, useState } from 'react';
import type { SyncClient } from '@cuebe/client';
import { changeNotifies, type NotifyPrefs } from '@cuebe/protocol';
import { describeChange } from './describeChange';

const SHOW_MS = 4000;

/**
 * `prefs` decide which changes show (and chime); `mine` is the set of departments that count as
 * the reader's ('all' for a link that sees every department).
 */
export function ChangeToast({
  live,
  prefs,
  mine,
  onNotify,
  placement = 'float',
}: {
  live: SyncClient;
  prefs: NotifyPrefs;
  mine: ReadonlySet<string> | 'all';
  onNotify?: () => void;
  /** Over the page (bottom centre), or in the flow where it is placed (show mode). */
  placement?: 'float' | 'inline';
}) {
  const prefsRef = useRef({ prefs, mine, onNotify });
  prefsRef.current = { prefs, mine, onNotify };
  const [text, setText] = useState<{ id: number; line: string } | null>(null);
  useEffect(() => {
    let n = 0;
    // 'change' fires before the snapshot moves on, so getSnapshot() is still the state before it.
    return live.on('change', ({ change, mine }) => {
      if (mine) return;
      const before = live.getSnapshot().elements;
      const p = prefsRef.current;
      if (!changeNotifies(change, before, p.prefs, p.mine)) return;
      const line = describeChange(change, before);
      setText({ id: ++n, line });
      p.onNotify?.();
    });
  }, [live]);
  useEffect(() => {
    if (!text) return;
    const t = window.setTimeout(() => setText(null), SHOW_MS);
    return () => window.clearTimeout(t);
  }, [text]);
  return (
    <div className={`toast-region ${placement}`} aria-live="polite" aria-atomic="true">
      {text && (
        <div key={text.id} className="toast" data-testid="change-toast">
          {text.line}
        </div>
      )}
    </div>
  );
}
