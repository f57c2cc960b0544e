/**
 * Microseconds on the system-wide monotonic clock (CLOCK_MONOTONIC, via process.hrtime). The
 * sender and the receivers live in different processes; this clock is the same in all of them on
 * one machine, unlike performance.now() (per-process origin) or Date.now() (ms, may step).
 */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
