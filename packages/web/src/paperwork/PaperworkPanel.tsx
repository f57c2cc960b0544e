/**
 * The script's paperwork, beside the table: print and PDF books, CSV out and in (with a preview
 * that lists every bad row before anything is written), and saved versions — save, compare with
 * now, restore (one change that syncs and can be undone).
 */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Department } from '@cuebe/protocol';
import { paperwork, type Comparison, type ImportPreview } from '../api/paperwork';
import { ago } from '../lib/time';
import { ErrorNote } from '../ui/ErrorNote';
import { AccountAlertSettings } from './AccountAlerts';

export function PaperworkPanel({
  scriptId,
  departments,
  onClose,
}: {
  scriptId: string;
  departments: readonly Department[];
  onClose: () => void;
}) {
  const [paper, setPaper] = useState<'a4' | 'letter'>('a4');
  return (
    <aside className="history paperwork" aria-labelledby="paperwork-h">
      <div className="history-head">
        <h2 id="paperwork-h">Paperwork</h2>
        <button type="button" className="btn btn-ghost btn-icon" aria-label="Close paperwork" onClick={onClose}>
          ×
        </button>
      </div>
      <section className="stack" aria-labelledby="books-h">
        <h3 id="books-h">Books</h3>
        <span className="seg" role="group" aria-label="Paper">
          <button type="button" className="btn btn-small" aria-pressed={paper === 'a4'} onClick={() => setPaper('a4')}>
            A4
          </button>
          <button
            type="button"
            className="btn btn-small"
            aria-pressed={paper === 'letter'}
            onClick={() => setPaper('letter')}
          >
            US Letter
          </button>
        </span>
        <ul className="book-links">
          <li>
            <a href={paperwork.printHref(scriptId, paper)}>Print calling script</a> ·{' '}
            <a href={paperwork.pdfHref(scriptId, paper)} target="_blank" rel="noreferrer">
              PDF
            </a>
          </li>
          {departments.map((d) => (
            <li key={d.id}>
              <a href={paperwork.printHref(scriptId, paper, d.id)}>Print {d.initials} cue sheet</a> ·{' '}
              <a href={paperwork.pdfHref(scriptId, paper, d.id)} target="_blank" rel="noreferrer">
                PDF
              </a>
            </li>
          ))}
        </ul>
      </section>
      <CsvSection scriptId={scriptId} />
      <VersionsSection scriptId={scriptId} />
      <section className="stack" aria-labelledby="alerts-h">
        <h3 id="alerts-h">Alerts (your account)</h3>
        <AccountAlertSettings />
      </section>
    </aside>
  );
}

function CsvSection({ scriptId }: { scriptId: string }) {
  const [csv, setCsv] = useState<{ name: string; text: string } | null>(null);
  const [mode, setMode] = useState<'replace' | 'append'>('replace');
  const preview = useMutation({
    mutationFn: (a: { text: string; mode: 'replace' | 'append' }) => paperwork.preview(scriptId, a.text, a.mode),
  });
  const run = useMutation({
    mutationFn: (a: { text: string; mode: 'replace' | 'append' }) => paperwork.importCsv(scriptId, a.text, a.mode),
  });
  const pick = async (file: File | undefined) => {
    if (!file) return;
    const text = await file.text();
    setCsv({ name: file.name, text });
    run.reset();
    preview.mutate({ text, mode });
  };
  const p: ImportPreview | undefined = preview.data;
  return (
    <section className="stack" aria-labelledby="csv-h">
      <h3 id="csv-h">CSV</h3>
      <a className="btn btn-small" href={paperwork.exportHref(scriptId)} download>
        Export CSV
      </a>
      <label className="stack">
        <span>Import a CSV</span>
        <input
          type="file"
          accept=".csv,text/csv,text/plain"
          aria-label="CSV file to import"
          onChange={(e) => void pick(e.target.files?.[0])}
        />
      </label>
      <span className="seg" role="group" aria-label="Import mode">
        {(['replace', 'append'] as const).map((m) => (
          <button
            key={m}
            type="button"
            className="btn btn-small"
            aria-pressed={mode === m}
            onClick={() => {
              setMode(m);
              if (csv) preview.mutate({ text: csv.text, mode: m });
            }}
          >
            {m === 'replace' ? 'Replace the script' : 'Add at the end'}
          </button>
        ))}
      </span>
      <ErrorNote error={preview.error ?? run.error} />
      {p && csv && !run.isSuccess && (
        <div className="import-preview" data-testid="import-preview">
          <p>
            <strong>{csv.name}</strong>: {p.rows} rows — {p.counts.cues} cues, {p.counts.notes} notes, {p.counts.groups}{' '}
            groups.
            {p.mode === 'replace' && ` Replaces the ${p.replaces} elements there now.`}
          </p>
          {p.departments.created.length > 0 && (
            <p>New departments: {p.departments.created.map((d) => `${d.initials} (${d.name})`).join(', ')}</p>
          )}
          {p.errors.length > 0 ? (
            <>
              <p className="error-note" role="alert">
                {p.errors.length} problem{p.errors.length === 1 ? '' : 's'} — nothing will be imported until they are
                fixed:
              </p>
              <ul className="import-errors">
                {p.errors.map((e, i) => (
                  <li key={i}>
                    Line {e.line}
                    {e.column ? ` (${e.column})` : ''}: {e.message}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <button
              type="button"
              className="btn btn-primary"
              disabled={run.isPending}
              onClick={() => run.mutate({ text: csv.text, mode: p.mode })}
            >
              Import {p.rows} rows
            </button>
          )}
          {p.warnings.map((w, i) => (
            <p key={i} className="muted small">
              Line {w.line}: {w.message}
            </p>
          ))}
        </div>
      )}
      {run.isSuccess && (
        <p className="ok-note" role="status">
          Imported as version {run.data.version}. Undo or History can take it back.
        </p>
      )}
    </section>
  );
}

function VersionsSection({ scriptId }: { scriptId: string }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [compared, setCompared] = useState<Comparison | null>(null);
  const list = useQuery({ queryKey: ['versions', scriptId], queryFn: () => paperwork.versions(scriptId) });
  const save = useMutation({
    mutationFn: (n: string) => paperwork.saveVersion(scriptId, n),
    onSuccess: () => {
      setName('');
      void qc.invalidateQueries({ queryKey: ['versions', scriptId] });
    },
  });
  const compare = useMutation({
    mutationFn: (id: string) => paperwork.compare(scriptId, id),
    onSuccess: setCompared,
  });
  const restore = useMutation({ mutationFn: (id: string) => paperwork.restoreVersion(scriptId, id) });
  return (
    <section className="stack" aria-labelledby="versions-h">
      <h3 id="versions-h">Versions</h3>
      <form
        className="row-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) save.mutate(name.trim());
        }}
      >
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. Before the tech"
          aria-label="Version name"
          maxLength={200}
        />
        <button type="submit" className="btn btn-small" disabled={!name.trim() || save.isPending}>
          Save version
        </button>
      </form>
      <ErrorNote error={list.error ?? save.error ?? compare.error ?? restore.error} />
      {restore.isSuccess && (
        <p className="ok-note" role="status">
          Restored as version {restore.data.version}. Undo takes it back.
        </p>
      )}
      <ul className="version-list" data-testid="versions">
        {list.data?.versions.map((v) => (
          <li key={v.id} className="history-item">
            <div className="history-line">
              <strong>{v.name}</strong>
            </div>
            <div className="history-meta muted small">
              <span>
                from v{v.sourceVersion} · {v.elementCount} elements · {v.createdBy.name}
              </span>
              <time dateTime={v.createdAt}>{ago(v.createdAt)}</time>
            </div>
            <div className="row-form">
              <button type="button" className="btn btn-small" onClick={() => compare.mutate(v.id)}>
                Compare with now
              </button>
              <button
                type="button"
                className="btn btn-small"
                disabled={restore.isPending}
                onClick={() =>
                  window.confirm(`Put the script back as it was in “${v.name}”? This can be undone.`) &&
                  restore.mutate(v.id)
                }
              >
                Restore
              </button>
            </div>
          </li>
        ))}
      </ul>
      {list.data && list.data.versions.length === 0 && <p className="muted">No saved versions yet.</p>}
      {compared && <CompareView c={compared} onClose={() => setCompared(null)} />}
    </section>
  );
}

const FIELD_LABEL: Record<string, string> = {
  offsetMs: 'time',
  durationMs: 'duration',
  departmentId: 'department',
  parentId: 'group',
  orderKey: 'position',
  colour: 'colour',
};

function CompareView({ c, onClose }: { c: Comparison; onClose: () => void }) {
  const show = (v: unknown) => (v === null || v === '' ? '—' : typeof v === 'string' ? v : JSON.stringify(v));
  return (
    <div className="compare" data-testid="compare">
      <div className="history-head">
        <h4>
          {c.from.label} → {c.to.label}
        </h4>
        <button type="button" className="btn btn-ghost btn-icon" aria-label="Close comparison" onClick={onClose}>
          ×
        </button>
      </div>
      <p className="muted small">
        {c.added.length} added · {c.removed.length} removed · {c.changed.length} changed · {c.unchanged} unchanged
      </p>
      <ul className="compare-list">
        {c.added.map((e) => (
          <li key={e.id} className="cmp-added">
            + {e.name}
          </li>
        ))}
        {c.removed.map((e) => (
          <li key={e.id} className="cmp-removed">
            − {e.name}
          </li>
        ))}
        {c.changed.map((ch) => (
          <li key={ch.id} className="cmp-changed">
            ~ {ch.name}
            <ul>
              {ch.fields.map((f) => (
                <li key={f.field}>
                  {FIELD_LABEL[f.field] ?? f.field}: {show(f.from)} → {show(f.to)}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </div>
  );
}
