/**
 * The runs of a script side by side (/scripts/:id/performances), newest first: run time, held
 * time, each act and interval, and the calls that went wrong — a row opens that run's report.
 */
import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { User } from '@cuebe/protocol';
import { performances, type PerformanceSummary } from '../api/performances';
import { usePrefs } from '../lib/prefs';
import { SmShell } from '../sm/SmShell';
import { ErrorNote } from '../ui/ErrorNote';
import { Link } from '../ui/Link';
import { ReportCrumbs } from './ReportCrumbs';
import { dateTime, duration } from './format';
import { partColumns, partKeys } from './partColumns';
import './report.css';

export default function PerformancesPage({ user, scriptId }: { user: User; scriptId: string }) {
  const list = useQuery({ queryKey: ['performances', scriptId], queryFn: () => performances.list(scriptId) });
  return (
    <SmShell user={user} crumbs={<ReportCrumbs scriptId={scriptId} here="Performances" />}>
      <main className="page report-page">
        <div className="page-head">
          <div>
            <h1>Performances</h1>
            <p className="muted">Every run of this script, newest first. Open one for its show report.</p>
          </div>
          <Link className="btn" href={`/scripts/${scriptId}`}>
            ← Back to the script
          </Link>
        </div>
        <ErrorNote error={list.error} />
        {list.isPending && <div className="loading">Loading the performances…</div>}
        {list.data &&
          (list.data.performances.length === 0 ? (
            <p className="empty" data-testid="performances-empty">
              No performances yet. Performances are recorded when you open the house or press play in the live panel.
            </p>
          ) : (
            <RunsTable runs={list.data.performances} />
          ))}
      </main>
    </SmShell>
  );
}

function RunsTable({ runs }: { runs: readonly PerformanceSummary[] }) {
  const { hour24 } = usePrefs();
  const sorted = useMemo(() => [...runs].sort((a, b) => b.number - a.number), [runs]);
  const columns = useMemo(() => partColumns(sorted), [sorted]);
  return (
    <div className="report-scroll">
      <table className="report-table runs-table" data-testid="performances">
        <thead>
          <tr>
            <th scope="col">No.</th>
            <th scope="col">Date</th>
            <th scope="col">Called by</th>
            <th scope="col" className="num">
              Run time
            </th>
            <th scope="col" className="num">
              Held
            </th>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={`num part-${c.kind}`}>
                {c.label}
              </th>
            ))}
            <th scope="col" className="num">
              Cues called
            </th>
            <th scope="col" className="num">
              Late GOs
            </th>
            <th scope="col" className="num">
              Early GOs
            </th>
            <th scope="col" className="num" title="Standbys a crew member never acknowledged">
              Not acked
            </th>
            <th scope="col" className="num">
              Holds
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((p) => {
            const keys = partKeys(p.parts);
            const byKey = new Map(keys.map((k, i) => [k, p.parts[i]!]));
            return (
              <tr key={p.id} data-testid="performance-row" data-number={p.number}>
                <th scope="row">
                  <Link href={`/performances/${p.id}`} aria-label={`Performance ${p.number} report`}>
                    {p.number}
                  </Link>
                </th>
                <td>
                  <Link href={`/performances/${p.id}`}>{dateTime(p.startedAtServerMs, hour24)}</Link>
                  {p.endedAtServerMs === null && <span className="badge badge-running">running</span>}
                </td>
                <td>{p.calledBy.name}</td>
                <td className="mono num" data-testid="run-time">
                  {duration(p.totalMs)}
                </td>
                <td className="mono num">{p.heldMs > 0 ? duration(p.heldMs) : '—'}</td>
                {columns.map((c) => (
                  <td key={c.key} className="mono num">
                    {duration(byKey.get(c.key)?.durationMs ?? null)}
                  </td>
                ))}
                <td className="num">{p.cuesCalled}</td>
                <td className={`num${p.lateGos > 0 ? ' flag-late' : ''}`}>{p.lateGos}</td>
                <td className={`num${p.earlyGos > 0 ? ' flag-warn' : ''}`}>{p.earlyGos}</td>
                <td className={`num${p.unacknowledged > 0 ? ' flag-warn' : ''}`}>{p.unacknowledged}</td>
                <td className="num">{p.holds}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
