/** Which changes alert this device, and whether they chime (kept on this device). */
import { useId } from 'react';
import { NOTIFY_CHANGES, type NotifyPrefs } from '@cuebe/protocol';

const LABEL: Record<NotifyPrefs['changes'], string> = {
  departments: 'My departments’ cues',
  all: 'Any change',
  none: 'None',
};

export function NotifySettings({
  prefs,
  onChange,
  departmentsLabel = LABEL.departments,
}: {
  prefs: NotifyPrefs;
  onChange: (patch: Partial<NotifyPrefs>) => void;
  departmentsLabel?: string;
}) {
  const id = useId();
  return (
    <div className="notify-settings" role="group" aria-label="Change alerts">
      <label htmlFor={id}>Alerts for</label>
      <select
        id={id}
        value={prefs.changes}
        onChange={(e) => onChange({ changes: NOTIFY_CHANGES.find((c) => c === e.target.value) ?? prefs.changes })}
      >
        {NOTIFY_CHANGES.map((c) => (
          <option key={c} value={c}>
            {c === 'departments' ? departmentsLabel : LABEL[c]}
          </option>
        ))}
      </select>
      <label className="check">
        <input type="checkbox" checked={prefs.sound} onChange={(e) => onChange({ sound: e.target.checked })} />
        Sound
      </label>
    </div>
  );
}
