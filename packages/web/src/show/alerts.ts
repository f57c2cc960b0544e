/**
 * Sound and vibration for STANDBY and GO on crew phones. Browsers allow sound only after a tap,
 * so the page offers "Enable sound" and keeps one AudioContext from that tap on.
 */
let ctx: AudioContext | null = null;

export function enableSound(): boolean {
  const AC = window.AudioContext ?? (window as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!AC) return false;
  ctx ??= new AC();
  void ctx.resume();
  beep(660, 0.08);
  return true;
}

export function soundEnabled(): boolean {
  return ctx !== null && ctx.state === 'running';
}

function beep(freq: number, seconds: number, at = 0): void {
  if (!ctx) return;
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.frequency.value = freq;
  gain.gain.value = 0.25;
  osc.connect(gain).connect(ctx.destination);
  const t = ctx.currentTime + at;
  osc.start(t);
  osc.stop(t + seconds);
}

export function alertStandby(): void {
  beep(440, 0.15);
  beep(440, 0.15, 0.25);
  navigator.vibrate?.([150, 100, 150]);
}

export function alertGo(): void {
  beep(880, 0.35);
  navigator.vibrate?.(400);
}

/** The SM is calling this crew member: longer and different from STANDBY, so it is not mistaken for one. */
export function alertNudge(): void {
  beep(520, 0.12);
  beep(780, 0.12, 0.18);
  beep(520, 0.12, 0.36);
  navigator.vibrate?.([300, 120, 300, 120, 300]);
}
