/**
 * Keeps the crew's script list live (SPEC S18): a stream from /api/crew-access/events (the token
 * as Authorization: Bearer, never in the URL) says when a script of the show was shared or
 * unshared; the list is then read again. After a drop it reconnects with backoff and reads the
 * list once more, since a change may have come and gone meanwhile.
 */
import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';

const MAX_DELAY_MS = 30_000;

export function useScriptListEvents(token: string | null): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!token) return;
    const stop = new AbortController();
    const refresh = () => void qc.invalidateQueries({ queryKey: ['crew-me', token] });
    const run = async () => {
      let delay = 1_000;
      let first = true;
      while (!stop.signal.aborted) {
        try {
          const res = await fetch('/api/crew-access/events', {
            headers: { authorization: `Bearer ${token}` },
            signal: stop.signal,
          });
          // The link no longer works: the list read says so (and shows the ended page).
          if (res.status === 401 || res.status === 403 || res.status === 404) return refresh();
          if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
          if (!first) refresh();
          first = false;
          delay = 1_000;
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
              const event = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              if (/^event: /m.test(event)) refresh();
            }
          }
        } catch {
          if (stop.signal.aborted) return;
        }
        first = false;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
    };
    void run();
    return () => stop.abort();
  }, [token, qc]);
}
