/** The show's crew and their share links. */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Department } from '@cuebe/protocol';
import { crew as api } from '../api/sm';
import type { CrewWithLink } from '../api/schemas';
import { ErrorNote } from '../ui/ErrorNote';
import { CrewCard } from './CrewCard';
import { DeptPicker, type DeptChoice } from './DeptPicker';

export function CrewPanel({
  showId,
  crew,
  departments,
}: {
  showId: string;
  crew: CrewWithLink[];
  departments: Department[];
}) {
  return (
    <section className="card panel" aria-labelledby="crew-h">
      <h2 id="crew-h">Crew &amp; share links</h2>
      {crew.length === 0 && (
        <p className="empty">No crew yet. Add someone to give them a link to the shared scripts.</p>
      )}
      <ul className="crew-list">
        {crew.map((c) => (
          <CrewCard key={c.id} member={c} departments={departments} showId={showId} />
        ))}
      </ul>
      <NewCrew showId={showId} departments={departments} />
    </section>
  );
}

function NewCrew({ showId, departments }: { showId: string; departments: Department[] }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [role, setRole] = useState('');
  const [days, setDays] = useState(30);
  const [depts, setDepts] = useState<DeptChoice>({ allDepartments: false, departmentIds: [] });
  const create = useMutation({
    mutationFn: () => api.create(showId, { name, role, expiresInDays: days, ...depts }),
    onSuccess: () => {
      setName('');
      setRole('');
      setDepts({ allDepartments: false, departmentIds: [] });
      setOpen(false);
      void qc.invalidateQueries({ queryKey: ['show', showId] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  if (!open)
    return (
      <button type="button" className="btn" onClick={() => setOpen(true)}>
        Add crew member
      </button>
    );
  return (
    <form className="stack new-crew" onSubmit={submit}>
      <div className="grid-2">
        <label className="field">
          <span>Name</span>
          <input required value={name} onChange={(e) => setName(e.target.value)} placeholder="Sam Ortiz" />
        </label>
        <label className="field">
          <span>Role</span>
          <input value={role} onChange={(e) => setRole(e.target.value)} placeholder="LX operator" />
        </label>
      </div>
      <DeptPicker departments={departments} value={depts} onChange={setDepts} />
      <label className="field field-inline">
        <span>Link expires in</span>
        <input
          type="number"
          min={1}
          max={3650}
          value={days}
          onChange={(e) => setDays(Math.max(1, Math.min(3650, Number(e.target.value) || 1)))}
        />
        <span>days</span>
      </label>
      <ErrorNote error={create.error} />
      <div className="row-actions">
        <button className="btn btn-primary" type="submit" disabled={!name.trim() || create.isPending}>
          Add and make link
        </button>
        <button type="button" className="btn" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
