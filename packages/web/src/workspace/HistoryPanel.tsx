/** Who changed what, when (newest first), with restore to any past version. */
import { useEffect } from 'react';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { scripts } from '../api/sm';
import { formatDateTime, ago } from '../lib/time';
import { usePrefs } from '../lib/prefs';
import { ErrorNote } from '../ui/ErrorNote';

const PAGE = 50;

export function HistoryPanel({
  scriptId,
  version,
  onClose,
}: {
  scriptId: string;
  version: number;
  onClose: () => void;
}) {
  const prefs = usePrefs();
  const q = useInfiniteQuery({
    queryKey: ['history', scriptId],
    queryFn: ({ pageParam }) => scripts.history(scriptId, pageParam, PAGE),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => (last.entries.length < PAGE ? undefined : last.entries.at(-1)?.version),
  });
  const { refetch } = q;
  // A new version arrived (ours or someone's): refresh the list, at most a few times a second.
  useEffect(() => {
    const t = window.setTimeout(() => void refetch(), 300);
    return () => window.clearTimeout(t);
  }, [version, refetch]);
  const restore = useMutation({ mutationFn: (v: number) => scripts.restore(scriptId, v) });
  const entries = q.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <aside className="history" aria-labelledby="history-h">
      <div className="history-head">
        <h2 id="history-h">History</h2>
        <button type="button" className="btn btn-ghost btn-icon" aria-label="Close history" onClick={onClose}>
          ×
        </button>
      </div>
      <ErrorNote error={q.error ?? restore.error} />
      {restore.isSuccess && (
        <p className="ok-note" role="status">
          Restored as version {restore.data.version}. To go back, restore the version just before it.
        </p>
      )}
      <ol className="history-list">
        {entries.map((e) => (
          <li key={e.version} className="history-item">
            <div className="history-line">
              <span className="history-summary">{e.summary}</span>
            </div>
            <div className="history-meta muted small">
              <span>
                v{e.version} · {e.actor.name}
              </span>
              <time dateTime={e.at} title={formatDateTime(e.at, prefs.hour24)}>
                {ago(e.at)}
              </time>
              {e.version !== version && (
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={restore.isPending}
                  onClick={() =>
                    window.confirm(`Put the script back as it was at version ${e.version}? This can be undone.`) &&
                    restore.mutate(e.version)
                  }
                >
                  Restore
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
      {q.hasNextPage && (
        <button
          type="button"
          className="btn btn-block"
          disabled={q.isFetchingNextPage}
          onClick={() => void q.fetchNextPage()}
        >
          Older
        </button>
      )}
      {!q.isPending && entries.length === 0 && <p className="muted">No changes yet.</p>}
    </aside>
  );
}
