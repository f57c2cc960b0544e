/**
 * Short-lived notices (refused edits, conflicts elsewhere in the script) in a corner, announced
 * politely. Lives in its own leaf so a notice does not re-render the table.
 */
import { useCallback, useEffect, useState } from 'react';

export interface Notice {
  id: number;
  text: string;
  tone: 'info' | 'warn' | 'error';
}

let nextId = 1;
export function makeNotice(text: string, tone: Notice['tone'] = 'info'): Notice {
  return { id: nextId++, text, tone };
}

export function useNotices(ttlMs = 6000) {
  const [notices, setNotices] = useState<Notice[]>([]);
  useEffect(() => {
    if (notices.length === 0) return;
    const t = window.setTimeout(() => setNotices((n) => n.slice(1)), ttlMs);
    return () => window.clearTimeout(t);
  }, [notices, ttlMs]);
  const push = useCallback((n: Notice) => setNotices((list) => [...list.slice(-3), n]), []);
  const dismiss = useCallback((id: number) => setNotices((list) => list.filter((n) => n.id !== id)), []);
  return { notices, push, dismiss };
}

export function NoticeStack({ notices, dismiss }: { notices: Notice[]; dismiss: (id: number) => void }) {
  return (
    <div className="notices" aria-live="polite" aria-atomic="false">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.tone}`} role={n.tone === 'error' ? 'alert' : 'status'}>
          <span>{n.text}</span>
          <button type="button" className="btn btn-ghost btn-icon" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
