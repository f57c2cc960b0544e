/** Device preferences: 24-hour time, dark mode, text size. Kept on this device only. */
import { useId, useState } from 'react';
import { setPrefs, TEXT_SIZES, usePrefs } from '../lib/prefs';

export function PrefsMenu() {
  const prefs = usePrefs();
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <div className="prefs">
      <button
        type="button"
        className="btn btn-ghost btn-icon"
        aria-expanded={open}
        aria-controls={id}
        aria-label="Display settings"
        title="Display settings"
        onClick={() => setOpen((o) => !o)}
      >
        <span aria-hidden="true">Aa</span>
      </button>
      {open && (
        <div id={id} className="prefs-panel" role="group" aria-label="Display settings">
          <label className="check">
            <input type="checkbox" checked={prefs.dark} onChange={(e) => setPrefs({ dark: e.target.checked })} />
            Dark mode
          </label>
          <label className="check">
            <input type="checkbox" checked={prefs.hour24} onChange={(e) => setPrefs({ hour24: e.target.checked })} />
            24-hour time
          </label>
          <fieldset className="text-size">
            <legend>Text size</legend>
            {TEXT_SIZES.map((s) => (
              <label key={s} className="radio">
                <input
                  type="radio"
                  name={`${id}-size`}
                  value={s}
                  checked={prefs.textSize === s}
                  onChange={() => setPrefs({ textSize: s })}
                />
                {s[0]!.toUpperCase() + s.slice(1)}
              </label>
            ))}
          </fieldset>
        </div>
      )}
    </div>
  );
}
