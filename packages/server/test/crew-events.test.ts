/**
 * The crew list's event stream (docs/SPEC.md S18): `scripts` when a script of the link's show is
 * shared, unshared, made shared or deleted while shared — never for another show — and `access`
 * then the end of the stream when the link is revoked. Real server, real HTTP streaming.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, startServer, type TestServer } from './harness';
import { api, tokenOf, type SmClient } from './http';

/** An open event stream: the events' names as they arrive, and whether it has ended. */
async function openEvents(s: TestServer, token: string) {
  const res = await fetch(`${s.url}/api/crew-access/events`, { headers: { authorization: `Bearer ${token}` } });
  const events: string[] = [];
  let ended = false;
  let wake = () => {};
  const done = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const m = /^event: (\w+)$/m.exec(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (m) events.push(m[1]!);
        wake();
      }
    }
  })().finally(() => {
    ended = true;
    wake();
  });
  /** Wait until `n` events have arrived (or the stream ended). */
  const until = async (n: number) => {
    const deadline = Date.now() + 5_000;
    while (events.length < n && !ended && Date.now() < deadline)
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, deadline - Date.now());
      });
  };
  return {
    res,
    events,
    until,
    done,
    get ended() {
      return ended;
    },
  };
}

describe(`crew list events (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let showId: string;
  let otherShowId: string;
  let link: { id: string; link: string };
  beforeAll(async () => {
    s = await startServer();
    sm = await api(s);
    showId = (await sm.post('/api/shows', { name: 'The Tempest' })).body.show.id;
    otherShowId = (await sm.post('/api/shows', { name: 'Twelfth Night' })).body.show.id;
    link = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Sam', allDepartments: true })).body.crew;
  });
  afterAll(() => s.close());

  it('S18 sharing changes of the show reach the stream, another show’s do not; revoking ends it', async () => {
    const stream = await openEvents(s, tokenOf(link.link));
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toContain('text/event-stream');
    const script = async (show: string, shared: boolean) =>
      (await sm.post(`/api/shows/${show}/scripts`, { name: 'Book', shared })).body.script.id as string;
    // Another show's first: fan-out keeps order, so a leak would arrive before ours.
    const other = await script(otherShowId, false);
    await sm.patch(`/api/scripts/${other}`, { shared: true });
    const ours = await script(showId, false);
    await sm.patch(`/api/scripts/${ours}`, { shared: true });
    await stream.until(1);
    expect(stream.events).toEqual(['scripts']);
    await script(showId, true); // made shared
    await sm.patch(`/api/scripts/${ours}`, { name: 'Renamed' }); // not about sharing
    await sm.del(`/api/scripts/${ours}`); // deleted while shared
    await stream.until(3);
    expect(stream.events).toEqual(['scripts', 'scripts', 'scripts']);
    await sm.post(`/api/crew/${link.id}/revoke`);
    await stream.done;
    expect(stream.events.at(-1)).toBe('access');
    expect(stream.ended).toBe(true);
  });

  it('S18 at most five streams per link (as sockets, P7): the sixth is 429', async () => {
    const other = (await sm.post(`/api/shows/${showId}/crew`, { name: 'Ana', allDepartments: true })).body.crew;
    const streams = await Promise.all([1, 2, 3, 4, 5].map(() => openEvents(s, tokenOf(other.link))));
    expect(streams.map((x) => x.res.status)).toEqual([200, 200, 200, 200, 200]);
    const sixth = await fetch(`${s.url}/api/crew-access/events`, {
      headers: { authorization: `Bearer ${tokenOf(other.link)}` },
    });
    expect(sixth.status).toBe(429);
    expect(await sixth.text()).toContain('"code":"RATE_LIMITED"');
    await sm.post(`/api/crew/${other.id}/revoke`);
    await Promise.all(streams.map((x) => x.done));
  });

  it('S18 a revoked or unknown link gets no stream', async () => {
    const gone = await fetch(`${s.url}/api/crew-access/events`, {
      headers: { authorization: `Bearer ${tokenOf(link.link)}` },
    });
    expect(gone.status).toBe(403);
    const none = await fetch(`${s.url}/api/crew-access/events`);
    expect([401, 404]).toContain(none.status);
  });
});
