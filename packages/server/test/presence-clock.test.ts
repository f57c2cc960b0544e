/**
 * The SM's board sees each crew device's clock (K3): which phone it is, and server times of its
 * last sync and report, so a device that stops reporting goes stale on the board by itself.
 * Rule ids: docs/SPEC.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceClockDoubt, type PresenceCrew, type SyncQualityMessage } from '@cuebe/protocol';
import { hubOf } from '../src/hub';
import { backend, startServer, type TestServer } from './harness';
import { makeCrew, makeScript, makeShow, makeSm, type ShowFixture, type SmFixture } from './hub-fixtures';
import { Wire } from './hub-wire';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36';

const report = (q: Partial<SyncQualityMessage>): SyncQualityMessage => ({
  type: 'syncQuality',
  offsetMs: 0,
  errorMs: 4,
  lastSyncAgeMs: 100,
  samples: 10,
  hidden: false,
  ...q,
});

describe(`presence: each device's clock (${backend})`, () => {
  let s: TestServer;
  let sm: SmFixture;
  let show: ShowFixture;
  const open: Wire[] = [];

  beforeAll(async () => {
    s = await startServer();
    sm = await makeSm(s);
    show = await makeShow(s, sm.userId);
  });
  afterAll(async () => {
    for (const w of open) w.close();
    await s.close();
  });

  async function join(scriptId: string, opts: Parameters<typeof Wire.hello>[2]): Promise<Wire> {
    const w = await Wire.hello(s, scriptId, opts);
    open.push(w);
    await w.next('welcome');
    return w;
  }

  const crewOf = (p: { crew?: PresenceCrew[] }, crewId: string) => p.crew?.find((c) => c.crewId === crewId);

  it('K3 per device: tag and label tell the phones apart; a device that goes quiet turns stale from server times', async () => {
    const scriptId = await makeScript(s, show.showId);
    const link = await makeCrew(s, show.showId, { name: 'Sam LX', allDepartments: true });
    const board = await join(scriptId, { cookie: sm.cookie });
    const legacy = await join(scriptId, { cookie: sm.cookie, protocol: 4 });
    const phone = await join(scriptId, {
      token: link.token,
      userAgent: IPHONE,
      deviceId: 'ab12cd34-0000-4000-8000-000000000001',
    });
    const other = await join(scriptId, {
      token: link.token,
      userAgent: ANDROID,
      deviceId: 'ff99ee88-0000-4000-8000-000000000002',
    });
    phone.send(report({ errorMs: 3, lastSyncAgeMs: 200 }));
    // The other phone last synced 57 s ago by its own account, and then says nothing more.
    const before = hubOf(s.app).now();
    other.send(report({ errorMs: 6, lastSyncAgeMs: 57_000 }));
    const p = await board.next(
      'presence',
      (m) =>
        (crewOf(m, link.crewId)?.deviceList ?? []).every((d) => d.reportedAtServerMs !== null) &&
        crewOf(m, link.crewId)?.deviceList?.length === 2,
    );
    const after = hubOf(s.app).now();
    const devices = crewOf(p, link.crewId)!.deviceList!;
    const byTag = new Map(devices.map((d) => [d.tag, d]));
    expect(byTag.get('AB12')).toMatchObject({ label: 'iPhone · Safari', errorMs: 3, hidden: false });
    const quiet = byTag.get('FF99')!;
    expect(quiet.label).toBe('Android · Chrome');
    expect(quiet.syncedAtServerMs!).toBeGreaterThanOrEqual(before - 57_000);
    expect(quiet.syncedAtServerMs!).toBeLessThanOrEqual(after - 57_000);
    expect(deviceClockDoubt(byTag.get('AB12')!, after)).toBeNull();
    expect(deviceClockDoubt(quiet, after)).toBeNull();
    // No new message needed: 60 s after its sync, the board's own clock makes it stale.
    expect(deviceClockDoubt(quiet, quiet.syncedAtServerMs! + 60_001)).toMatchObject({ kind: 'stale' });
    expect(deviceClockDoubt(byTag.get('AB12')!, quiet.syncedAtServerMs! + 60_001)).toBeNull();

    // A protocol-4 SM device gets no device list (it refuses unknown fields), but its crew sync
    // age counts the time since the report arrived.
    const lp = await legacy.next('presence', (m) => crewOf(m, link.crewId)?.sync?.reported === 2);
    expect(crewOf(lp, link.crewId)!.deviceList).toBeUndefined();
    expect(legacy.invalid).toEqual([]);
    phone.send(report({ errorMs: 3, lastSyncAgeMs: 10 }));
    const aged = await legacy.next('presence', (m) => (crewOf(m, link.crewId)?.sync?.oldestSyncAgeMs ?? 0) > 57_000);
    expect(crewOf(aged, link.crewId)!.sync!.oldestSyncAgeMs).toBeGreaterThanOrEqual(57_000);
  });
});
