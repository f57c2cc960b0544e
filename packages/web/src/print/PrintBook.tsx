/**
 * The printable book in the browser (/scripts/:id/print?paper=a4|letter&department=<id>): the
 * calling script, or one department's cue sheet, laid out for paper by print CSS. The header in
 * the table head repeats on every printed page; @page margin boxes number the pages.
 */
import { useEffect, useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { User } from '@cuebe/protocol';
import { scripts, shows } from '../api/sm';
import { ErrorNote } from '../ui/ErrorNote';
import { Link } from '../ui/Link';
import { bookRows, bookTime, marks } from './bookRows';
import { DeptSwatch } from './DeptSwatch';
import './print.css';

export default function PrintBook({ scriptId }: { user: User; scriptId: string }) {
  const params = new URLSearchParams(window.location.search);
  const paper = params.get('paper') === 'letter' ? 'letter' : 'a4';
  const departmentId = params.get('department');
  const script = useQuery({ queryKey: ['script', scriptId], queryFn: () => scripts.get(scriptId) });
  const showId = script.data?.script.showId;
  const show = useQuery({ queryKey: ['show', showId], queryFn: () => shows.get(showId!), enabled: !!showId });
  const rows = useMemo(
    () => (script.data ? bookRows(script.data.elements, departmentId) : []),
    [script.data, departmentId],
  );
  const byId = useMemo(() => marks(script.data?.departments ?? []), [script.data]);
  const dept = departmentId ? byId.get(departmentId) : undefined;
  const printedOn = useMemo(
    () => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date()),
    [],
  );
  useEffect(() => {
    document.documentElement.dataset.print = paper;
    return () => void delete document.documentElement.dataset.print;
  }, [paper]);

  if (script.error || show.error) return <ErrorNote error={script.error ?? show.error} />;
  if (!script.data || !show.data) return <div className="loading">Preparing the book…</div>;
  if (departmentId && !dept) return <ErrorNote error={new Error('That department is not in this show.')} />;
  const s = script.data.script;
  const title = dept ? `${dept.department.name} (${dept.department.initials}) cue sheet` : 'Calling script';
  const sheet = !!dept;
  const base = `/scripts/${scriptId}/print`;
  const pdfHref = `/api/scripts/${scriptId}/book.pdf?paper=${paper}${departmentId ? `&department=${departmentId}` : ''}`;
  return (
    <main className={`print-book paper-${paper}`} data-testid="print-book">
      <nav className="print-tools no-print" aria-label="Print options">
        <Link href={`/scripts/${scriptId}`}>← Back to the script</Link>
        <span className="seg" role="group" aria-label="Paper">
          {(['a4', 'letter'] as const).map((p) => (
            <a
              key={p}
              className="btn btn-small"
              aria-current={paper === p ? 'true' : undefined}
              href={`${base}?paper=${p}${departmentId ? `&department=${departmentId}` : ''}`}
            >
              {p === 'a4' ? 'A4' : 'US Letter'}
            </a>
          ))}
        </span>
        <label>
          Book{' '}
          <select
            value={departmentId ?? ''}
            onChange={(e) =>
              window.location.assign(`${base}?paper=${paper}${e.target.value ? `&department=${e.target.value}` : ''}`)
            }
          >
            <option value="">Calling script</option>
            {script.data.departments.map((d) => (
              <option key={d.id} value={d.id}>
                {d.initials} cue sheet
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="btn btn-primary" onClick={() => window.print()}>
          Print
        </button>
        <a className="btn" href={pdfHref} target="_blank" rel="noreferrer">
          PDF
        </a>
      </nav>
      <style>{`@page { size: ${paper === 'a4' ? 'A4' : 'letter'}; }`}</style>
      <table className="book-table">
        <thead>
          <tr>
            <th colSpan={sheet ? 6 : 6} className="book-head">
              <div className="book-head-row">
                <strong className="book-show">{show.data.show.name}</strong>
                <h1 className="book-title">{title}</h1>
              </div>
              <div className="book-head-row book-sub">
                <span>
                  {s.name} · version {s.version}
                  {show.data.show.venue && ` · ${show.data.show.venue}`}
                </span>
                <span>Printed {printedOn}</span>
              </div>
            </th>
          </tr>
          <tr className="book-cols">
            <th>Time</th>
            {!sheet && <th>Dept</th>}
            <th>Cue</th>
            <th>Description</th>
            {sheet && <th>Scene / group</th>}
            <th>Location</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ element: el, depth, groupPath }) => {
            const mark = el.departmentId ? byId.get(el.departmentId) : undefined;
            const loud = el.priority === 'SAFETY' || el.priority === 'CRITICAL';
            return (
              <tr key={el.id} className={`book-row type-${el.type.toLowerCase()}`}>
                <td className="mono">{bookTime(el.offsetMs)}</td>
                {!sheet && (
                  <td>{mark ? <DeptSwatch mark={mark} /> : el.type === 'NOTE' ? <small>NOTE</small> : null}</td>
                )}
                <td className="book-name" style={{ paddingLeft: `${0.4 + depth * 0.8}em` }}>
                  <span>{el.name}</span>
                  {loud && <span className={`book-prio prio-${el.priority.toLowerCase()}`}>{el.priority}</span>}
                </td>
                <td className="book-notes">{el.notes}</td>
                {sheet && <td className="book-small">{groupPath}</td>}
                <td className="book-small">{el.location}</td>
                <td className="mono">{el.durationMs === null ? '' : bookTime(el.durationMs)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {rows.length === 0 && <p>{sheet ? 'No cues for this department.' : 'This script is empty.'}</p>}
      {!sheet && (
        <p className="book-legend">
          {[...byId.values()].map((m) => (
            <span key={m.department.id}>
              <DeptSwatch mark={m} /> {m.department.name}
            </span>
          ))}
        </p>
      )}
    </main>
  );
}
