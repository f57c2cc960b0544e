/** Printing results: a line per run while it goes, and a Markdown table to paste into BENCHMARKS.md. */
import type { Result } from './scenario';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function problems(r: Result): string[] {
  const c = r.check;
  const out: string[] = [];
  if (c.connectFailures) out.push(`${c.connectFailures} crew socket(s) failed to connect`);
  if (c.lost) out.push(`${c.lost} delivery(ies) missing when the drain timed out (lost, or the server still behind)`);
  if (c.duplicates) out.push(`${c.duplicates} duplicate delivery(ies)`);
  if (c.outOfOrder) out.push(`${c.outOfOrder} out-of-order delivery(ies)`);
  if (c.unexpectedCloses)
    out.push(`${c.unexpectedCloses} socket(s) closed by the server: ${JSON.stringify(c.closeReasons)}`);
  if (c.smErrors.length) out.push(`SM: ${c.smErrors.slice(0, 5).join('; ')}`);
  if (c.workerErrors.length) out.push(`crew: ${c.workerErrors.slice(0, 5).join('; ')}`);
  return out;
}

/** Not failures of the server, but reasons to distrust a figure. */
export function warnings(r: Result): string[] {
  const out: string[] = [];
  if (r.load && r.load.otherCores > 0.15)
    out.push(
      `other processes used ${r.load.otherCores.toFixed(2)} cores during the measured window: figures are skewed`,
    );
  return out;
}

export function describe(r: Result): string {
  const lines = [`  ${r.target} · ${r.scenario.name}: ${r.sockets} crew sockets in ${r.scenario.m} script(s)`];
  lines.push(
    `    memory per idle crew socket: ${kb(r.memory.rssPerSocket)} RSS, ${kb(r.memory.heapPerSocket)} heap+external (after GC); server RSS ${r.memory.rssAfterMb.toFixed(0)} MB`,
  );
  const l = r.load;
  if (l) {
    lines.push(
      `    edit→delivery: p50 ${l.latency.p50Ms} ms · p95 ${l.latency.p95Ms} ms · p99 ${l.latency.p99Ms} ms · max ${l.latency.maxMs} ms (mean ${l.latency.meanMs} ms)`,
      `    SM send→ack: p50 ${l.ack.p50Ms} ms · p99 ${l.ack.p99Ms} ms · max ${l.ack.maxMs} ms`,
      `    ops ${l.opsSent} (${l.opsPerSecond}/s) · deliveries ${l.deliveries}/${l.expectedDeliveries} (${l.deliveriesPerSecond}/s) · frame ${l.avgFrameBytes} B`,
      `    server CPU ${l.serverCpuUsPerDelivery.toFixed(1)} µs/delivery (${(l.serverCores * 100).toFixed(0)}% of a core) · load generator ${(l.clientCores * 100).toFixed(0)}% of a core · other processes ${(l.otherCores * 100).toFixed(0)}% of a core`,
    );
  }
  const c = r.check;
  lines.push(
    `    whole run: received ${c.received}/${c.expected} · missing ${c.lost} · duplicates ${c.duplicates} · out of order ${c.outOfOrder} · server closes ${c.unexpectedCloses}`,
  );
  for (const p of problems(r)) lines.push(`    PROBLEM: ${p}`);
  for (const w of warnings(r)) lines.push(`    WARNING: ${w}`);
  return lines.join('\n');
}

export function markdown(results: Result[]): string {
  const head =
    '| server | scenario | sockets / scripts | p50 ms | p95 ms | p99 ms | max ms | delivered / expected | ops/s | deliveries/s | server µs CPU / delivery | server cores | load-gen cores | other cores | idle KB / socket (RSS · heap) | dup / out of order |';
  const sep = '|' + ' --- |'.repeat(16);
  const rows = results.map((r) => {
    const l = r.load;
    const mem = `${(r.memory.rssPerSocket / 1024).toFixed(1)} · ${(r.memory.heapPerSocket / 1024).toFixed(1)}`;
    const dash = '—';
    return `| ${r.target} | ${r.scenario.name} | ${r.sockets} / ${r.scenario.m} | ${l ? l.latency.p50Ms : dash} | ${l ? l.latency.p95Ms : dash} | ${l ? l.latency.p99Ms : dash} | ${l ? l.latency.maxMs : dash} | ${l ? `${l.deliveries} / ${l.expectedDeliveries}` : dash} | ${l ? l.opsPerSecond : dash} | ${l ? l.deliveriesPerSecond : dash} | ${l ? l.serverCpuUsPerDelivery.toFixed(1) : dash} | ${l ? l.serverCores.toFixed(2) : dash} | ${l ? l.clientCores.toFixed(2) : dash} | ${l ? l.otherCores.toFixed(2) : dash} | ${mem} | ${r.check.duplicates} / ${r.check.outOfOrder} |`;
  });
  return [head, sep, ...rows].join('\n');
}
