/** Show-time text: "1:02:03" elapsed, "T−0:12" countdowns, "+0:03" late. */
import { formatOffset } from '../lib/time';

export function formatShowTime(ms: number): string {
  return formatOffset(Math.max(0, Math.floor(ms / 1000) * 1000));
}

/** A countdown to a cue: whole seconds, rounded up while ahead ("T−0:05" until the last second). */
export function formatCountdown(ms: number): string {
  if (ms >= 0) {
    const s = Math.ceil(ms / 1000);
    return `T−${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }
  const s = Math.floor(-ms / 1000);
  return `+${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Time spent in a part of the show: "12:34", "1:02:03" past the hour. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const mmss = `${Math.floor((s % 3600) / 60)}:${String(s % 60).padStart(2, '0')}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss.padStart(5, '0')}` : mmss;
}

export const STATUS_LABEL = {
  STOPPED: 'Stopped',
  PLAYING: 'Running',
  PAUSED: 'Paused',
  SAFETY: 'HOLD',
  COMPLETE: 'Complete',
} as const;

/** Rehearsal speeds the SM may pick (the protocol allows any rate from 0.5 to 2). */
export const RATES = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;

/** "2×", "0.75×"; empty at performance speed. */
export function rateLabel(rate: number): string {
  return rate === 1 ? '' : `${rate}×`;
}
