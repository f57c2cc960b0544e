/** Choose which departments a crew member sees: all, or some. */
import type { Department } from '@cuebe/protocol';

export interface DeptChoice {
  allDepartments: boolean;
  departmentIds: string[];
}

export function DeptPicker({
  departments,
  value,
  onChange,
  legend = 'Sees cues of',
}: {
  departments: Department[];
  value: DeptChoice;
  onChange: (v: DeptChoice) => void;
  legend?: string;
}) {
  const toggle = (id: string, on: boolean) =>
    onChange({
      allDepartments: false,
      departmentIds: on ? [...value.departmentIds, id] : value.departmentIds.filter((d) => d !== id),
    });
  return (
    <fieldset className="dept-picker">
      <legend>{legend}</legend>
      <label className="check">
        <input
          type="checkbox"
          checked={value.allDepartments}
          onChange={(e) => onChange({ ...value, allDepartments: e.target.checked })}
        />
        All departments
      </label>
      {departments.map((d) => (
        <label key={d.id} className="check">
          <input
            type="checkbox"
            disabled={value.allDepartments}
            checked={value.allDepartments || value.departmentIds.includes(d.id)}
            onChange={(e) => toggle(d.id, e.target.checked)}
          />
          <span className="swatch" style={{ background: d.colour }} aria-hidden="true" />
          {d.name}
        </label>
      ))}
    </fieldset>
  );
}
