/**
 * Reading another process's CPU time and memory from /proc (Linux), so the server child is
 * measured from outside, the same way for Cuebe and for the baselines.
 */
import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s everywhere Node runs on Linux. */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of a process (all its threads), in microseconds. */
export function cpuTimeUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: split after its closing paren.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read CPU time of ${pid}`);
  return ((utime + stime) * 1_000_000) / TICKS_PER_SECOND;
}

/** Resident set size of a process, bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error(`cannot read memory of ${pid}`);
  return Number(m[1]) * 1024;
}

/** CPU time all processes on the machine spent busy (not idle or waiting on I/O), in microseconds. */
export function machineBusyUs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return ((total - idle) * 1_000_000) / TICKS_PER_SECOND;
}

/**
 * Wait until the rest of the machine is quiet (other processes using under `maxOtherCores`
 * over one second), or until `timeoutMs`. Returns the last reading. The bench shares the machine's
 * cores with the server it measures; anything else running skews every figure.
 */
export async function waitForQuiet(maxOtherCores: number, timeoutMs: number, ownPids: () => number[]): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const own0 = ownPids().reduce((a, p) => a + safeCpu(p), 0);
    const busy0 = machineBusyUs();
    await new Promise((r) => setTimeout(r, 1000));
    const own1 = ownPids().reduce((a, p) => a + safeCpu(p), 0);
    const other = (machineBusyUs() - busy0 - (own1 - own0)) / 1e6;
    if (other < maxOtherCores || Date.now() >= deadline) return other;
  }
}

function safeCpu(pid: number): number {
  try {
    return cpuTimeUs(pid);
  } catch {
    return 0;
  }
}
