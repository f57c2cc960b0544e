/** Departments of a show: colour, initials and name, edited in place (saved when a field is left). */
import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { nextDepartmentColour, type Department } from '@cuebe/protocol';
import { departments as api } from '../api/sm';
import { ErrorNote } from '../ui/ErrorNote';

export function DepartmentsPanel({ showId, departments }: { showId: string; departments: Department[] }) {
  const qc = useQueryClient();
  const refresh = () => qc.invalidateQueries({ queryKey: ['show', showId] });
  const update = useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: Partial<Pick<Department, 'name' | 'initials' | 'colour'>> }) =>
      api.update(id, patch),
    onSettled: refresh,
  });
  const remove = useMutation({ mutationFn: (id: string) => api.remove(id), onSettled: refresh });
  return (
    <section className="card panel" aria-labelledby="dept-h">
      <h2 id="dept-h">Departments</h2>
      <ul className="dept-list">
        {departments.map((d) => (
          <li key={d.id} className="dept-row">
            {/* Keyed on the colour: a change saved here or on another device shows at once. */}
            <input
              key={d.colour}
              type="color"
              aria-label={`${d.name} colour`}
              defaultValue={d.colour}
              onBlur={(e) =>
                e.target.value !== d.colour && update.mutate({ id: d.id, patch: { colour: e.target.value } })
              }
            />
            <input
              className="dept-initials"
              aria-label={`${d.name} initials`}
              defaultValue={d.initials}
              maxLength={5}
              onBlur={(e) =>
                e.target.value.trim() !== d.initials &&
                update.mutate({ id: d.id, patch: { initials: e.target.value.trim() } })
              }
            />
            <input
              aria-label={`${d.name} name`}
              defaultValue={d.name}
              onBlur={(e) =>
                e.target.value.trim() !== d.name && update.mutate({ id: d.id, patch: { name: e.target.value.trim() } })
              }
            />
            <button
              type="button"
              className="btn btn-ghost btn-icon"
              aria-label={`Delete ${d.name}`}
              title="Delete department"
              onClick={() => window.confirm(`Delete the ${d.name} department?`) && remove.mutate(d.id)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <ErrorNote error={update.error ?? remove.error} />
      <NewDepartment showId={showId} departments={departments} />
    </section>
  );
}

function NewDepartment({ showId, departments }: { showId: string; departments: Department[] }) {
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [initials, setInitials] = useState('');
  // The colour the server will give (SPEC D1), moving on with every department added, unless
  // the SM picks one.
  const [picked, setPicked] = useState<string | null>(null);
  const colour = picked ?? nextDepartmentColour(departments.map((d) => d.colour));
  const create = useMutation({
    mutationFn: () => api.create(showId, picked ? { name, initials, colour: picked } : { name, initials }),
    onSuccess: () => {
      setName('');
      setInitials('');
      setPicked(null);
      void qc.invalidateQueries({ queryKey: ['show', showId] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="dept-row dept-new" onSubmit={submit}>
      <input
        type="color"
        aria-label="New department colour"
        value={colour}
        onChange={(e) => setPicked(e.target.value)}
      />
      <input
        className="dept-initials"
        aria-label="New department initials"
        placeholder="PROPS"
        maxLength={5}
        value={initials}
        onChange={(e) => setInitials(e.target.value)}
      />
      <input
        aria-label="New department name"
        placeholder="Props"
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <button className="btn" type="submit" disabled={!name.trim() || !initials.trim() || create.isPending}>
        Add
      </button>
      <ErrorNote error={create.error} className="span-all" />
    </form>
  );
}
