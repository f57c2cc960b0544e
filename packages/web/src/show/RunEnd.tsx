/**
 * Ending a performance, kept apart from Pause and GO (SPEC L1): Complete and Stop each ask for
 * a second, deliberate press in a confirm step that says what will happen, with Cancel focused;
 * one stray click or tap ends nothing. A stop or complete made by mistake is undone with
 * Reopen (SPEC L2): the same performance carries on, held, its log and report continuing.
 */
import { useEffect, useRef, useState } from 'react';
import type { PlaybackCommand, PlaybackState } from '@cuebe/protocol';
import { formatShowTime } from './format';

type Ending = 'complete' | 'stop';

const CONFIRM: Record<Ending, { title: string; body: string; yes: string }> = {
  complete: {
    title: 'Complete the performance?',
    body: 'The show clock stops where it is and standbys are cleared.',
    yes: 'Yes, complete the performance',
  },
  stop: {
    title: 'Stop the performance?',
    body: 'The show clock goes back to 0:00:00 and the cues back to the first.',
    yes: 'Yes, stop the performance',
  },
};

export function RunEnd({
  playback,
  send,
}: {
  playback: PlaybackState | null;
  send: (cmd: PlaybackCommand) => Promise<boolean>;
}) {
  const status = playback?.status ?? 'STOPPED';
  const [asking, setAsking] = useState<Ending | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const canComplete = status === 'PLAYING' || status === 'PAUSED' || status === 'SAFETY';
  const canStop = canComplete || status === 'COMPLETE';
  const stoppedRun = status === 'STOPPED' ? (playback?.stoppedRun ?? null) : null;

  // A confirm step for a command that no longer applies (another device ended the run) goes away.
  useEffect(() => {
    if ((asking === 'complete' && !canComplete) || (asking === 'stop' && !canStop)) setAsking(null);
  }, [asking, canComplete, canStop]);
  useEffect(() => {
    if (asking) cancelRef.current?.focus();
  }, [asking]);

  const confirm = asking ? CONFIRM[asking] : null;
  return (
    <div className="lp-run-end" role="group" aria-label="End the performance">
      {!confirm && (
        <>
          <button
            className="lp-end"
            disabled={!canComplete}
            aria-haspopup="dialog"
            onClick={() => setAsking('complete')}
          >
            Complete…
          </button>
          <button className="lp-end" disabled={!canStop} aria-haspopup="dialog" onClick={() => setAsking('stop')}>
            ■ Stop…
          </button>
        </>
      )}
      {confirm && asking && (
        <div
          className="lp-confirm"
          role="alertdialog"
          aria-labelledby="lp-confirm-title"
          aria-describedby="lp-confirm-body"
          onKeyDown={(e) => {
            if (e.key === 'Escape') setAsking(null);
          }}
        >
          <strong id="lp-confirm-title">{confirm.title}</strong>
          <span id="lp-confirm-body">{confirm.body} Reopen undoes it, in the same performance.</span>
          <button
            className="danger"
            onClick={() => {
              setAsking(null);
              void send({ kind: asking });
            }}
          >
            {confirm.yes}
          </button>
          <button ref={cancelRef} onClick={() => setAsking(null)}>
            Cancel
          </button>
        </div>
      )}
      {(stoppedRun || status === 'COMPLETE') && !confirm && (
        <p className="lp-reopen">
          <span>{stoppedRun ? `Stopped at ${formatShowTime(stoppedRun.showMs)}.` : 'Complete.'} By mistake?</span>
          <button onClick={() => void send({ kind: 'reopen' })}>↺ Reopen the performance</button>
        </p>
      )}
    </div>
  );
}
