/** S10: a server restart loses no acknowledged op (same PGlite data dir / same PostgreSQL database). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backend, freshPgDatabase, startServer, type StartOptions } from './harness';
import { cue, makeCrew, makeScript, makeShow, makeSm } from './hub-fixtures';
import { Wire } from './hub-wire';

describe(`hub restart (${backend})`, () => {
  it('S10 every op acknowledged before a shutdown is there after the restart; sockets were told 1001', async () => {
    let where: StartOptions;
    let cleanup: () => Promise<void>;
    if (backend === 'postgres') {
      const db = await freshPgDatabase();
      where = { databaseUrl: db.url };
      cleanup = db.drop;
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'cuebe-restart-'));
      where = { dataDir: dir };
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    }
    try {
      const first = await startServer(where);
      const sm = await makeSm(first);
      const show = await makeShow(first, sm.userId);
      const scriptId = await makeScript(first, show.showId);
      const crew = await makeCrew(first, show.showId, { allDepartments: true });
      const w = await Wire.hello(first, scriptId, { cookie: sm.cookie });
      await w.next('welcome');
      const c = await Wire.hello(first, scriptId, { token: crew.token });
      await c.next('welcome');
      const created = Array.from({ length: 40 }, () => cue());
      for (const el of created) w.op({ kind: 'create', element: el }, 0);
      // Shut down mid-stream: some ops are acknowledged, the rest may never be.
      await w.until((m) => m.filter((x) => x.type === 'ack').length >= 10, 10_000, '10 acks');
      await first.close();
      expect((await w.closed).code).toBe(1001);
      expect((await c.closed).code).toBe(1001);
      const acked = new Set(w.all('ack').map((a) => a.opId));

      const second = await startServer(where);
      try {
        const again = await Wire.hello(second, scriptId, { cookie: sm.cookie });
        const snap = await again.next('snapshot');
        expect(snap.version).toBeGreaterThanOrEqual(acked.size);
        const ids = new Set(snap.elements.map((e) => e.id));
        const ackedIds = w
          .all('ack')
          .map((a) => Object.keys(a.prev.elements)[0]!)
          .filter(Boolean);
        expect(ackedIds.length).toBe(acked.size);
        for (const id of ackedIds) expect(ids.has(id)).toBe(true);
        // A crew member who saw some versions before the restart catches up from where they were.
        const seen = Math.max(0, ...c.versions());
        const crewAgain = await Wire.hello(second, scriptId, { token: crew.token, lastVersion: seen });
        await crewAgain.next('welcome');
        const rest = await crewAgain.next('changes');
        expect(rest.changes.map((x) => x.version)).toEqual(
          Array.from({ length: snap.version - seen }, (_, i) => seen + 1 + i),
        );
        again.close();
        crewAgain.close();
      } finally {
        await second.close();
      }
    } finally {
      await cleanup();
    }
  });
});
