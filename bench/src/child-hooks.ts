/**
 * Preloaded (node --import) into a server child by the bench, never by the server itself: lets the
 * bench force a full GC and read memory over the IPC channel, so "memory per idle connection" is
 * measured after collection. Inert unless CUEBE_BENCH_HOOKS=1 and the process has an IPC channel;
 * the GC call needs --expose-gc, which only the bench passes.
 */
import { HookRequest, type HookReply } from './ipc';

const gc = (globalThis as { gc?: () => void }).gc;

if (process.env.CUEBE_BENCH_HOOKS === '1' && process.send && gc) {
  const send = process.send.bind(process);
  process.on('message', (raw: unknown) => {
    const msg = HookRequest.safeParse(raw);
    if (!msg.success) return;
    // Two passes: the first may only queue finalizers that free more on the second.
    gc();
    gc();
    const reply: HookReply = { type: 'bench:memory', id: msg.data.id, memory: process.memoryUsage() };
    send(reply);
  });
  // The IPC channel must not keep the server alive after its own shutdown.
  process.channel?.unref();
}
