/**
 * The SM's guards against a wrong GO, kept by the server for the script: a minimum time between
 * two GOs (a double tap is refused) and two-step mode (GO only a cue on standby). A small
 * disclosure, since they are set once before the show.
 */
import { useEffect, useState } from 'react';
import { PLAYBACK_LIMITS, type GoGuards as Guards, type PlaybackCommand } from '@cuebe/protocol';

export function GoGuards({
  guards,
  send,
}: {
  guards: Guards;
  /** Resolves true when the server applied the command, false when it refused it. */
  send: (cmd: PlaybackCommand) => Promise<boolean>;
}) {
  const [ms, setMs] = useState(String(guards.minGoIntervalMs));
  // Follow the server's value (another SM device may change it) unless it is being edited.
  useEffect(() => setMs(String(guards.minGoIntervalMs)), [guards.minGoIntervalMs]);
  // The two-step box flips with the click (a controlled box would wait for the new state to come
  // back over the socket), then follows the server's value; a refusal puts it back.
  const [twoStep, setTwoStep] = useState<boolean | null>(null);
  useEffect(() => setTwoStep(null), [guards.requireStandby]);
  const apply = (next: Partial<Guards>) => send({ kind: 'guards', guards: { ...guards, ...next } });
  const commitMs = () => {
    const n = Math.round(Number(ms));
    if (!Number.isFinite(n) || n < 0 || n > PLAYBACK_LIMITS.maxGoIntervalMs || ms.trim() === '')
      return setMs(String(guards.minGoIntervalMs));
    if (n !== guards.minGoIntervalMs) apply({ minGoIntervalMs: n });
  };
  return (
    <details className="lp-guards" data-testid="go-guards">
      <summary>
        GO guards: {guards.minGoIntervalMs > 0 ? `${guards.minGoIntervalMs} ms apart` : 'no minimum'}
        {guards.requireStandby ? ' · two-step' : ''}
      </summary>
      <form
        className="lp-inline"
        onSubmit={(e) => {
          e.preventDefault();
          commitMs();
        }}
      >
        <label>
          Minimum time between GOs{' '}
          <input
            aria-label="Minimum time between GOs (ms)"
            type="number"
            min={0}
            max={PLAYBACK_LIMITS.maxGoIntervalMs}
            step={100}
            value={ms}
            onChange={(e) => setMs(e.target.value)}
            onBlur={commitMs}
          />{' '}
          ms
        </label>
        <label>
          <input
            type="checkbox"
            checked={twoStep ?? guards.requireStandby}
            onChange={(e) => {
              const on = e.target.checked;
              setTwoStep(on);
              void apply({ requireStandby: on }).then((ok) => ok || setTwoStep(null));
            }}
          />{' '}
          Two-step: GO only from standby
        </label>
      </form>
    </details>
  );
}
