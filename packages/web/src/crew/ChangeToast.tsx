/**
 * "Jane updated LX 5": a quiet toast for each change from the SM, also read out by screen
 * readers (aria-live). Its own leaf, so a toast coming and going re-renders nothing else.
 */
import { useEffect, useState } from 'react';
import type { SyncClient } from '@cuebe/client';
import { describeChange } from './describeChange';

const SHOW_MS = 4000;

export function ChangeToast({ live }: { live: SyncClient }) {
  const [text, setText] = useState<{ id: number; line: string } | null>(null);
  useEffect(() => {
    let n = 0;
    // 'change' fires before the snapshot moves on, so getSnapshot() is still the state before it.
    return live.on('change', ({ change, mine }) => {
      if (mine) return;
      const line = describeChange(change, live.getSnapshot().elements);
      setText({ id: ++n, line });
    });
  }, [live]);
  useEffect(() => {
    if (!text) return;
    const t = window.setTimeout(() => setText(null), SHOW_MS);
    return () => window.clearTimeout(t);
  }, [text]);
  return (
    <div className="toast-region" aria-live="polite" aria-atomic="true">
      {text && (
        <div key={text.id} className="toast" data-testid="change-toast">
          {text.line}
        </div>
      )}
    </div>
  );
}
