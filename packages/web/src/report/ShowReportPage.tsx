/**
 * The show report of one performance (/performances/:id): run times, every cue planned against
 * called, holds, standbys and who answered them, the SM's notes. The same page prints as an A4
 * report (report.css hides the app around it) and downloads as CSV from the server.
 */
import { useEffect } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ShowReport, User } from '@cuebe/protocol';
import { performances } from '../api/performances';
import { scripts, shows } from '../api/sm';
import { usePrefs } from '../lib/prefs';
import { SmShell } from '../sm/SmShell';
import { ErrorNote } from '../ui/ErrorNote';
import { Link } from '../ui/Link';
import { AfterShowNotes } from './AfterShowNotes';
import { ReportCrumbs } from './ReportCrumbs';
import { answerTime, clock, dateTime, delta, duration, iso } from './format';
import './report.css';

const PAGE_CSS = `@page {
  size: A4;
  margin: 12mm 12mm 14mm;
  @bottom-right { content: 'Page ' counter(page) ' of ' counter(pages); font: 8pt system-ui, sans-serif; }
}`;

export default function ShowReportPage({ user, performanceId }: { user: User; performanceId: string }) {
  const q = useQuery({
    queryKey: ['report', performanceId],
    queryFn: () => performances.report(performanceId),
    // A run still going on fills in as it is called.
    refetchInterval: (query) => (query.state.data?.report.performance.endedAtServerMs === null ? 5_000 : false),
  });
  const scriptId = q.data?.report.performance.scriptId;
  useEffect(() => {
    // Scopes the print rules to this page: the app's chrome is hidden only while it is open.
    document.documentElement.dataset.printReport = '';
    return () => void delete document.documentElement.dataset.printReport;
  }, []);
  const n = q.data?.report.performance.number;
  return (
    <SmShell user={user} crumbs={scriptId ? <ReportCrumbs scriptId={scriptId} here={`Performance ${n}`} /> : null}>
      <main className="page report-page report-doc">
        <style>{PAGE_CSS}</style>
        <ErrorNote error={q.error} />
        {q.isPending && <div className="loading">Loading the report…</div>}
        {q.data && <Report r={q.data.report} />}
      </main>
    </SmShell>
  );
}

function Report({ r }: { r: ShowReport }) {
  const { hour24 } = usePrefs();
  const p = r.performance;
  const script = useQuery({ queryKey: ['script', p.scriptId], queryFn: () => scripts.get(p.scriptId) });
  const showId = script.data?.script.showId;
  const show = useQuery({ queryKey: ['show', showId], queryFn: () => shows.get(showId!), enabled: !!showId });
  const called = r.cues.filter((c) => c.actualMs !== null).length;
  const unanswered = r.standbys.reduce((n, s) => n + s.unacknowledged.length, 0);
  return (
    <>
      <header className="report-head">
        <div>
          <p className="report-kicker">
            {show.data?.show.name ?? ''}
            {script.data && ` · ${script.data.script.name}`}
            {show.data?.show.venue && ` · ${show.data.show.venue}`}
          </p>
          <h1>Show report — performance {p.number}</h1>
          <p className="muted">
            {dateTime(p.startedAtServerMs, hour24)} · called by {p.calledBy.name}
            {p.endedAtServerMs === null && <span className="badge badge-running">running</span>}
          </p>
        </div>
        <div className="report-tools no-print">
          <button type="button" className="btn btn-primary" onClick={() => window.print()}>
            Print
          </button>
          <a className="btn" href={performances.csvHref(p.id)} download>
            Download CSV
          </a>
          <Link className="btn btn-ghost" href={`/scripts/${p.scriptId}/performances`}>
            All performances
          </Link>
        </div>
      </header>

      <p className="report-summary" data-testid="report-summary">
        {called} of {r.cues.length} cues called ·{' '}
        <span className={r.lateGos > 0 ? 'flag-late' : undefined}>
          {r.lateGos} late GO{r.lateGos === 1 ? '' : 's'}
        </span>
        ,{' '}
        <span className={r.earlyGos > 0 ? 'flag-warn' : undefined}>
          {r.earlyGos} early GO{r.earlyGos === 1 ? '' : 's'}
        </span>{' '}
        (over {Math.round(r.lateThresholdMs / 100) / 10} s) · {r.holds.length} hold{r.holds.length === 1 ? '' : 's'} ·{' '}
        <span className={unanswered > 0 ? 'flag-warn' : undefined}>
          {unanswered} standby answer{unanswered === 1 ? '' : 's'} missing
        </span>
      </p>

      <RunTimes r={r} hour24={hour24} />
      <CueTimes r={r} hour24={hour24} />
      <Holds r={r} hour24={hour24} />
      <Standbys r={r} hour24={hour24} />
      <ShowNotes r={r} hour24={hour24} />
      <AfterShowNotes performance={p} />
      <p className="report-foot muted small">
        From {r.events} logged event{r.events === 1 ? '' : 's'}. Times of day are this device’s local time; show times
        are from the start of the run.
      </p>
    </>
  );
}

interface Part {
  r: ShowReport;
  hour24: boolean;
}

function RunTimes({ r, hour24 }: Part) {
  return (
    <section className="report-section" aria-labelledby="run-h">
      <h2 id="run-h">Run times</h2>
      <dl className="run-times" data-testid="run-times">
        <div>
          <dt>House open</dt>
          <dd className="mono">{clock(r.houseOpenAtServerMs, hour24)}</dd>
        </div>
        <div>
          <dt>Start</dt>
          <dd className="mono">{clock(r.startAtServerMs, hour24)}</dd>
        </div>
        <div>
          <dt>End</dt>
          <dd className="mono">{clock(r.endAtServerMs, hour24)}</dd>
        </div>
        <div>
          <dt>Run time</dt>
          <dd className="mono strong" data-testid="report-total">
            {duration(r.totalMs)}
          </dd>
        </div>
        <div>
          <dt>Held</dt>
          <dd className="mono">{duration(r.heldMs)}</dd>
        </div>
      </dl>
      {r.parts.length > 0 && (
        <table className="report-table" data-testid="report-parts">
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">Up</th>
              <th scope="col">Down</th>
              <th scope="col" className="num">
                Duration
              </th>
            </tr>
          </thead>
          <tbody>
            {r.parts.map((part, i) => (
              <tr key={i} className={`part-${part.kind}`}>
                <th scope="row">{part.label}</th>
                <td className="mono">{clock(part.startAtServerMs, hour24)}</td>
                <td className="mono">{clock(part.endAtServerMs, hour24)}</td>
                <td className="mono num">{duration(part.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CueTimes({ r, hour24 }: Part) {
  return (
    <section className="report-section" aria-labelledby="cues-h">
      <h2 id="cues-h">Cues — planned and called</h2>
      {r.cues.length === 0 ? (
        <p className="muted">The script has no cues.</p>
      ) : (
        <table className="report-table" data-testid="report-cues">
          <thead>
            <tr>
              <th scope="col">Cue</th>
              <th scope="col" className="num">
                Planned
              </th>
              <th scope="col" className="num">
                Called
              </th>
              <th scope="col" className="num">
                Difference
              </th>
              <th scope="col">GO at</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {r.cues.map((c) => (
              <tr
                key={c.cueId}
                data-testid="report-cue"
                data-cue={c.name}
                className={c.late ? 'row-late' : c.early ? 'row-early' : c.actualMs === null ? 'row-missed' : undefined}
              >
                <th scope="row">{c.name}</th>
                <td className="mono num">{duration(c.plannedMs)}</td>
                <td className="mono num">{c.actualMs === null ? 'not called' : duration(c.actualMs)}</td>
                <td className="mono num">
                  {delta(c.deltaMs)}
                  {c.late && <span className="tag tag-late">late</span>}
                  {c.early && <span className="tag tag-early">early</span>}
                </td>
                <td className="mono">{c.goAtServerMs === null ? '' : clock(c.goAtServerMs, hour24)}</td>
                <td>{c.by ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Holds({ r, hour24 }: Part) {
  return (
    <section className="report-section" aria-labelledby="holds-h">
      <h2 id="holds-h">Holds</h2>
      {r.holds.length === 0 ? (
        <p className="muted">The show was not held.</p>
      ) : (
        <table className="report-table" data-testid="report-holds">
          <thead>
            <tr>
              <th scope="col">Hold</th>
              <th scope="col">At</th>
              <th scope="col" className="num">
                Show time
              </th>
              <th scope="col" className="num">
                Duration
              </th>
              <th scope="col">Reason</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {r.holds.map((h, i) => (
              <tr key={i} className={h.kind === 'safety' ? 'row-safety' : undefined}>
                <th scope="row">{h.kind === 'safety' ? <span className="tag tag-safety">SAFETY</span> : 'Pause'}</th>
                <td className="mono">
                  <time dateTime={iso(h.atServerMs)}>{clock(h.atServerMs, hour24)}</time>
                </td>
                <td className="mono num">{duration(h.showMs)}</td>
                <td className="mono num">{h.durationMs === null ? 'held at the end' : duration(h.durationMs)}</td>
                <td>{h.reason ?? '—'}</td>
                <td>{h.by}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const ENDED: Record<ShowReport['standbys'][number]['endedBy'], string> = {
  go: 'GO',
  cleared: 'cleared',
  end: 'run ended',
};

function Standbys({ r, hour24 }: Part) {
  return (
    <section className="report-section" aria-labelledby="standbys-h">
      <h2 id="standbys-h">Standbys</h2>
      {r.standbys.length === 0 ? (
        <p className="muted">No cues were put on standby.</p>
      ) : (
        <table className="report-table" data-testid="report-standbys">
          <thead>
            <tr>
              <th scope="col">Cue</th>
              <th scope="col">Standby</th>
              <th scope="col">Ended</th>
              <th scope="col">Acknowledged (how fast)</th>
              <th scope="col">Never acknowledged</th>
            </tr>
          </thead>
          <tbody>
            {r.standbys.map((s, i) => (
              <tr key={i} data-testid="report-standby" data-cue={s.name}>
                <th scope="row">{s.name}</th>
                <td className="mono">{clock(s.standbyAtServerMs, hour24)}</td>
                <td>
                  {ENDED[s.endedBy]} <span className="mono">{clock(s.endedAtServerMs, hour24)}</span>
                </td>
                <td>
                  {s.acked.length === 0
                    ? '—'
                    : s.acked.map((a, j) => (
                        <span key={a.crewId} className="who">
                          {j > 0 && ', '}
                          {a.name}
                          {a.afterMs !== null && <span className="muted"> ({answerTime(a.afterMs)})</span>}
                        </span>
                      ))}
                </td>
                <td data-testid="standby-unacknowledged">
                  {s.unacknowledged.length === 0 ? (
                    '—'
                  ) : (
                    <span className="flag-warn">{s.unacknowledged.map((u) => u.name).join(', ')}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ShowNotes({ r, hour24 }: Part) {
  return (
    <section className="report-section" aria-labelledby="notes-h">
      <h2 id="notes-h">Notes during the show</h2>
      {r.notes.length === 0 ? (
        <p className="muted">No notes were taken during the run.</p>
      ) : (
        <table className="report-table" data-testid="report-notes">
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col" className="num">
                Show time
              </th>
              <th scope="col">Note</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {r.notes.map((note, i) => (
              <tr key={i}>
                <td className="mono">
                  <time dateTime={iso(note.atServerMs)}>{clock(note.atServerMs, hour24)}</time>
                </td>
                <td className="mono num">{duration(note.showMs)}</td>
                <td className="note-text">{note.text}</td>
                <td>{note.by}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
