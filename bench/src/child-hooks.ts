/**
 * Preloaded (node --import) into a server child by the bench, never by the server itself: lets the
 * bench force a full GC and read memory over the IPC channel, so "memory per idle connection" is
 * measured after collection, and take a CPU profile of exactly the measured window. Inert unless
 * CUEBE_BENCH_HOOKS=1 and the process has an IPC channel; the GC call needs --expose-gc, which
 * only the bench passes.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { HookRequest, type HookReply } from './ipc';

const gc = (globalThis as { gc?: () => void }).gc;

if (process.env.CUEBE_BENCH_HOOKS === '1' && process.send && gc) {
  const send = (reply: HookReply) => process.send?.(reply);
  let session: Session | null = null;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
    );

  process.on('message', (raw: unknown) => {
    const msg = HookRequest.safeParse(raw);
    if (!msg.success) return;
    const m = msg.data;
    if (m.type === 'bench:gc') {
      // Two passes: the first may only queue finalizers that free more on the second.
      gc();
      gc();
      send({ type: 'bench:memory', id: m.id, memory: process.memoryUsage() });
    } else if (m.type === 'bench:profile-start') {
      session = new Session();
      session.connect();
      post('Profiler.enable')
        .then(() => post('Profiler.setSamplingInterval', { interval: 200 }))
        .then(() => post('Profiler.start'))
        .then(
          () => send({ type: 'bench:done', id: m.id }),
          (err: unknown) => send({ type: 'bench:done', id: m.id, error: String(err) }),
        );
    } else if (session) {
      post('Profiler.stop').then(
        (res) => {
          const profile = res && typeof res === 'object' && 'profile' in res ? res.profile : null;
          writeFileSync(m.file, JSON.stringify(profile));
          session?.disconnect();
          session = null;
          send({ type: 'bench:done', id: m.id });
        },
        (err: unknown) => send({ type: 'bench:done', id: m.id, error: String(err) }),
      );
    }
  });
  // The IPC channel must not keep the server alive after its own shutdown.
  process.channel?.unref();
}
