/**
 * The SM's notes written after the show: an explicit Save (these are read by the production
 * team, so nothing is sent half-typed), with what was saved and when, and the server's refusal
 * said plainly. Printed as text; the editor does not print.
 */
import { useEffect, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Performance, ShowReport } from '@cuebe/protocol';
import { performances } from '../api/performances';
import { usePrefs } from '../lib/prefs';
import { ErrorNote } from '../ui/ErrorNote';
import { clock } from './format';

const MAX = 20_000;

export function AfterShowNotes({ performance }: { performance: Performance }) {
  const qc = useQueryClient();
  const { hour24 } = usePrefs();
  const [text, setText] = useState(performance.notes);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const save = useMutation({
    mutationFn: (notes: string) => performances.setNotes(performance.id, notes),
    onSuccess: ({ performance: saved }) => {
      setSavedAt(Date.now());
      qc.setQueryData<{ report: ShowReport }>(['report', saved.id], (old) =>
        old ? { report: { ...old.report, performance: saved } } : old,
      );
      void qc.invalidateQueries({ queryKey: ['performances', saved.scriptId] });
    },
  });
  const dirty = text !== performance.notes;
  useEffect(() => {
    if (!dirty) return;
    // Leaving (or reloading) with notes not saved asks first.
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
  return (
    <section className="report-section after-show" aria-labelledby="after-h">
      <h2 id="after-h">After the show</h2>
      <form
        className="stack no-print"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(text);
        }}
      >
        <textarea
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            save.reset();
          }}
          rows={6}
          maxLength={MAX}
          aria-label="After-show notes"
          placeholder="Show notes for the production team: what went wrong, what to fix, who to thank."
        />
        <div className="row-form">
          <button type="submit" className="btn btn-primary" disabled={!dirty || save.isPending}>
            {save.isPending ? 'Saving…' : 'Save notes'}
          </button>
          {dirty && !save.isPending && <span className="muted small">Unsaved changes</span>}
          {!dirty && save.isSuccess && savedAt !== null && (
            <span className="ok-note small" role="status">
              Notes saved at {clock(savedAt, hour24)}
            </span>
          )}
        </div>
        <ErrorNote error={save.error} />
      </form>
      <div className="print-only after-show-print">{performance.notes || 'No notes.'}</div>
    </section>
  );
}
