/**
 * A show's production team through real HTTP and real sockets: invitations, roles enforced on
 * REST and on the socket, removal closing open sockets at once, role changes, hand-over of
 * ownership, and conflict notices between two people. Rule ids: docs/SPEC.md (P11–P15, S8).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode } from '@cuebe/protocol';
import { backend, startServer, type TestServer } from './harness';
import { api, element, type SmClient } from './http';
import { Wire } from './hub-wire';

describe(`production team (${backend})`, () => {
  let s: TestServer;
  const open: Wire[] = [];

  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    for (const w of open) w.close();
    await s.close();
  });

  /** An owner with a show and a script, and accounts invited to it with the given roles. */
  async function production(roles: Record<string, 'editor' | 'viewer'> = {}) {
    const owner = await api(s, { displayName: 'Olivia Owner' });
    const made = await owner.post('/api/shows', { name: 'Hamlet' });
    expect(made.status).toBe(201);
    const showId: string = made.body.show.id;
    const script = await owner.post(`/api/shows/${showId}/scripts`, { name: 'Act 1', shared: true });
    expect(script.status).toBe(201);
    const team: Record<string, SmClient> = {};
    for (const [name, role] of Object.entries(roles)) {
      team[name] = await api(s, { displayName: name });
      const res = await owner.post(`/api/shows/${showId}/members`, { email: team[name].email, role });
      expect(res.status).toBe(201);
      expect(res.body.member).toMatchObject({ userId: team[name].user.id, role, displayName: name });
    }
    return { owner, showId, scriptId: script.body.script.id as string, team };
  }

  async function live(scriptId: string, who: SmClient, deviceId?: string): Promise<Wire> {
    const w = await Wire.hello(s, scriptId, { cookie: who.cookie, ...(deviceId ? { deviceId } : {}) });
    open.push(w);
    await w.next('welcome');
    return w;
  }

  const versionOf = (scriptId: string) => s.ctx.store.currentVersion(scriptId);

  async function stillOpen(w: Wire): Promise<void> {
    const id = Math.floor(Math.random() * 1e9);
    w.send({ type: 'ping', id, t0: 0 });
    await w.next('pong', (m) => m.id === id);
  }

  it('P11 the owner invites existing accounts by email; the team and each member’s shows list their role', async () => {
    const { owner, showId, team } = await production({ Eddie: 'editor', Vera: 'viewer' });
    const members = await owner.get(`/api/shows/${showId}/members`);
    expect(members.status).toBe(200);
    expect(members.body.members.map((m: { displayName: string; role: string }) => [m.displayName, m.role])).toEqual([
      ['Olivia Owner', 'owner'],
      ['Eddie', 'editor'],
      ['Vera', 'viewer'],
    ]);
    const list = await team.Vera!.get('/api/shows');
    expect(list.body.shows).toEqual([expect.objectContaining({ id: showId, name: 'Hamlet', role: 'viewer' })]);
    expect((await owner.get('/api/shows')).body.shows[0]).toMatchObject({ id: showId, role: 'owner' });
    const page = await team.Eddie!.get(`/api/shows/${showId}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ role: 'editor', crew: [] });

    const nobody = await owner.post(`/api/shows/${showId}/members`, { email: 'nobody@example.com', role: 'viewer' });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'no account with that email',
      field: 'email',
    });
    const again = await owner.post(`/api/shows/${showId}/members`, {
      email: team.Vera!.email.toUpperCase(),
      role: 'editor',
    });
    expect(again.status).toBe(409);
    const badRole = await owner.post(`/api/shows/${showId}/members`, { email: team.Vera!.email, role: 'owner' });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.field).toBe('role');

    // Team management stays with the owner; a stranger learns nothing.
    const byEditor = await team.Eddie!.post(`/api/shows/${showId}/members`, { email: owner.email, role: 'viewer' });
    expect(byEditor.status).toBe(403);
    const stranger = await api(s);
    expect((await stranger.get(`/api/shows/${showId}/members`)).status).toBe(404);
    expect((await stranger.get(`/api/shows/${showId}`)).status).toBe(404);
  });

  it('P12 a viewer reads everything and changes nothing over REST (403, nothing written)', async () => {
    const { showId, scriptId, team } = await production({ Vera: 'viewer' });
    const vera = team.Vera!;
    expect((await vera.get(`/api/scripts/${scriptId}`)).status).toBe(200);
    expect((await vera.get(`/api/shows/${showId}/scripts`)).status).toBe(200);
    expect((await vera.get(`/api/scripts/${scriptId}/history`)).status).toBe(200);
    const before = await versionOf(scriptId);
    const attempts = [
      await vera.post(`/api/scripts/${scriptId}/elements`, element()),
      await vera.post(`/api/scripts/${scriptId}/ops`, {
        opId: randomUUID(),
        baseVersion: 0,
        op: { kind: 'create', element: element() },
      }),
      await vera.patch(`/api/scripts/${scriptId}`, { name: 'Renamed' }),
      await vera.post(`/api/shows/${showId}/scripts`, { name: 'Mine' }),
      await vera.post(`/api/scripts/${scriptId}/restore`, { version: 0 }),
      await vera.post(`/api/shows/${showId}/departments`, { name: 'Pyro', initials: 'PYR', colour: '#ff0000' }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'FORBIDDEN' });
      expect(res.body.error.message).toMatch(/viewer on this show/);
    }
    expect(await versionOf(scriptId)).toBe(before);
    expect((await vera.get(`/api/shows/${showId}/scripts`)).body.scripts).toHaveLength(1);
  });

  it('P12 a viewer’s socket gets the script, and an op is answered FORBIDDEN with its opId; the socket stays open', async () => {
    const { scriptId, team } = await production({ Vera: 'viewer' });
    const w = await live(scriptId, team.Vera!);
    const snapshot = await w.next('snapshot');
    expect(snapshot.elements.map((e) => e.name)).toContain('SHOW START');
    const opId = w.op({ kind: 'create', element: element() }, 0);
    const err = await w.next('error');
    expect(err).toMatchObject({ code: ErrorCode.FORBIDDEN, opId, retryable: false });
    expect(err.message).toMatch(/viewer/);
    // Nor may a viewer call the show.
    const commandId = randomUUID();
    w.send({ type: 'command', commandId, command: { kind: 'play' } });
    expect(await w.next('commandError')).toMatchObject({ commandId, code: ErrorCode.FORBIDDEN });
    await stillOpen(w);
    expect(await versionOf(scriptId)).toBe(0);
    expect(w.invalid).toEqual([]);
  });

  it('P13 an editor edits scripts over REST and the socket; crew links, deleting scripts and the team stay with the owner', async () => {
    const { owner, showId, scriptId, team } = await production({ Eddie: 'editor' });
    const eddie = team.Eddie!;
    const created = await eddie.post(`/api/scripts/${scriptId}/elements`, element({ name: 'LX 1' }));
    expect(created.status).toBe(201);
    const w = await live(scriptId, eddie);
    const ownerWire = await live(scriptId, owner);
    const opId = w.op({ kind: 'update', id: created.body.element.id, fields: { notes: 'by Eddie' } }, 1);
    expect(await w.next('ack')).toMatchObject({ opId, version: 2 });
    const seen = await ownerWire.next('changes', (m) => m.changes.some((c) => c.version === 2));
    expect(seen.changes.find((c) => c.version === 2)!.actor).toEqual({ kind: 'sm', name: 'Eddie' });
    expect((await eddie.patch(`/api/scripts/${scriptId}`, { name: 'Act One', shared: false })).status).toBe(200);
    expect((await eddie.post(`/api/shows/${showId}/scripts`, { name: 'Act 2' })).status).toBe(201);

    for (const res of [
      await eddie.post(`/api/shows/${showId}/crew`, { name: 'Sam', allDepartments: true }),
      await eddie.get(`/api/shows/${showId}/crew`),
      await eddie.del(`/api/scripts/${scriptId}`),
      await eddie.patch(`/api/shows/${showId}`, { name: 'Macbeth' }),
      await eddie.del(`/api/shows/${showId}`),
      await eddie.post(`/api/shows/${showId}/transfer`, { userId: eddie.user.id }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/only the show’s owner/);
    }
    expect((await owner.get(`/api/scripts/${scriptId}`)).status).toBe(200);
  });

  it('P13 an editor and a viewer get 403 "only the show’s owner" on every crew-link route, nothing changed; a stranger 404', async () => {
    const { owner, showId, team } = await production({ Eddie: 'editor', Vera: 'viewer' });
    const made = await owner.post(`/api/shows/${showId}/crew`, { name: 'Sam', allDepartments: true });
    expect(made.status).toBe(201);
    const crewId: string = made.body.crew.id;
    const stranger = await api(s);
    const routes = (who: SmClient) => [
      () => who.get(`/api/crew/${crewId}/qr.svg`),
      () => who.patch(`/api/crew/${crewId}`, { name: 'Changed' }),
      () => who.post(`/api/crew/${crewId}/rotate`),
      () => who.post(`/api/crew/${crewId}/revoke`),
      () => who.del(`/api/crew/${crewId}`),
    ];
    for (const member of [team.Eddie!, team.Vera!])
      for (const call of routes(member)) {
        const res = await call();
        expect(res.status).toBe(403);
        expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'only the show’s owner can do this' });
      }
    for (const call of routes(stranger)) {
      const res = await call();
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe('crew member not found');
    }
    const after = await owner.get(`/api/shows/${showId}/crew`);
    expect(after.body.crew).toEqual([made.body.crew]);
  });

  it('P14 removing a member closes their sockets on that show at once (1008 "removed"); nobody else’s', async () => {
    const { owner, showId, scriptId, team } = await production({ Eddie: 'editor', Vera: 'viewer' });
    const eddie = team.Eddie!;
    const second = await owner.post(`/api/shows/${showId}/scripts`, { name: 'Act 2' });
    // Eddie is also on another owner's show: that socket must stay.
    const other = await production();
    await other.owner.post(`/api/shows/${other.showId}/members`, { email: eddie.email, role: 'editor' });

    const a = await live(scriptId, eddie, 'laptop');
    const b = await live(second.body.script.id, eddie, 'tablet');
    const elsewhere = await live(other.scriptId, eddie);
    const vera = await live(scriptId, team.Vera!);
    const ownerWire = await live(scriptId, owner);

    const t0 = Date.now();
    const res = await owner.del(`/api/shows/${showId}/members/${eddie.user.id}`);
    expect(res.status).toBe(204);
    for (const w of [a, b]) {
      expect(await w.closed).toEqual({ code: CloseCode.POLICY, reason: 'removed' });
    }
    expect(Date.now() - t0).toBeLessThan(1_000);
    await Promise.all([stillOpen(elsewhere), stillOpen(vera), stillOpen(ownerWire)]);

    // Gone for good: the socket is refused, REST says not found, the list no longer has it.
    const back = await Wire.hello(s, scriptId, { cookie: eddie.cookie });
    open.push(back);
    expect((await back.closed).code).toBe(CloseCode.FORBIDDEN);
    expect((await eddie.get(`/api/scripts/${scriptId}`)).status).toBe(404);
    expect((await eddie.get('/api/shows')).body.shows.map((x: { id: string }) => x.id)).toEqual([other.showId]);
    expect((await owner.del(`/api/shows/${showId}/members/${eddie.user.id}`)).status).toBe(404);
  });

  it('P14 a member may leave on their own; a role change makes their sockets reconnect (4010) with the new rights', async () => {
    const { owner, showId, scriptId, team } = await production({ Eddie: 'editor', Vera: 'viewer' });
    const w = await live(scriptId, team.Eddie!);
    const changed = await owner.patch(`/api/shows/${showId}/members/${team.Eddie!.user.id}`, { role: 'viewer' });
    expect(changed.status).toBe(200);
    expect(changed.body.member.role).toBe('viewer');
    expect((await w.closed).code).toBe(CloseCode.RECONNECT);
    const again = await live(scriptId, team.Eddie!);
    const opId = again.op({ kind: 'create', element: element() }, 0);
    expect(await again.next('error')).toMatchObject({ code: ErrorCode.FORBIDDEN, opId });

    const v = await live(scriptId, team.Vera!);
    expect((await team.Vera!.del(`/api/shows/${showId}/members/${team.Vera!.user.id}`)).status).toBe(204);
    expect(await v.closed).toEqual({ code: CloseCode.POLICY, reason: 'removed' });
    // A member cannot remove someone else.
    expect((await team.Eddie!.del(`/api/shows/${showId}/members/${owner.user.id}`)).status).toBe(403);
  });

  it('P15 the owner hands over ownership to a member; the old owner becomes an editor', async () => {
    const { owner, showId, scriptId, team } = await production({ Eddie: 'editor' });
    const eddie = team.Eddie!;
    const stranger = await api(s);
    const notMember = await owner.post(`/api/shows/${showId}/transfer`, { userId: stranger.user.id });
    expect(notMember.status).toBe(404);
    expect(notMember.body.error.field).toBe('userId');

    const ownerWire = await live(scriptId, owner);
    const res = await owner.post(`/api/shows/${showId}/transfer`, { userId: eddie.user.id });
    expect(res.status).toBe(200);
    expect(res.body.members.map((m: { displayName: string; role: string }) => [m.displayName, m.role])).toEqual([
      ['Eddie', 'owner'],
      ['Olivia Owner', 'editor'],
    ]);
    expect((await ownerWire.closed).code).toBe(CloseCode.RECONNECT);
    expect((await eddie.get(`/api/shows/${showId}`)).body.role).toBe('owner');
    expect((await owner.get(`/api/shows/${showId}`)).body.role).toBe('editor');
    // The new owner manages the team and crew; the old one no longer does, but still edits.
    expect((await eddie.post(`/api/shows/${showId}/members`, { email: stranger.email, role: 'viewer' })).status).toBe(
      201,
    );
    expect((await eddie.post(`/api/shows/${showId}/crew`, { name: 'Sam', allDepartments: true })).status).toBe(201);
    expect((await owner.post(`/api/shows/${showId}/transfer`, { userId: owner.user.id })).status).toBe(403);
    expect((await owner.post(`/api/scripts/${scriptId}/elements`, element())).status).toBe(201);
  });

  it('S13 editors see each other live: presence lists the team on the script and the row each is editing', async () => {
    const { owner, scriptId, team } = await production({ Eddie: 'editor', Vera: 'viewer' });
    const row = await owner.post(`/api/scripts/${scriptId}/elements`, element({ name: 'LX 7' }));
    const rowId: string = row.body.element.id;
    const olivia = await live(scriptId, owner);
    const eddie = await live(scriptId, team.Eddie!, 'laptop');
    await live(scriptId, team.Vera!);
    const everyone = (m: { editors?: unknown[] }) => m.editors?.length === 3;
    expect((await olivia.next('presence', everyone)).editors).toEqual([
      { userId: owner.user.id, name: 'Olivia Owner', role: 'owner', devices: 1, editing: [] },
      { userId: team.Eddie!.user.id, name: 'Eddie', role: 'editor', devices: 1, editing: [] },
      { userId: team.Vera!.user.id, name: 'Vera', role: 'viewer', devices: 1, editing: [] },
    ]);

    eddie.send({ type: 'editing', elementId: rowId });
    const editing = await olivia.next('presence', (m) => m.editors?.[1]?.editing.length === 1);
    expect(editing.editors![1]).toMatchObject({ name: 'Eddie', editing: [rowId] });
    // Eddie sees himself too (his other devices show where he is).
    await eddie.next('presence', (m) => m.editors?.[1]?.editing[0] === rowId);

    eddie.send({ type: 'editing', elementId: null });
    await olivia.next('presence', (m) => m.editors?.[1]?.editing.length === 0);
    eddie.close();
    await olivia.next('presence', (m) => m.editors?.length === 2);
    expect(olivia.invalid).toEqual([]);
  });

  it('S8 a conflict between two different editors names the other person on both sides', async () => {
    const { owner, scriptId, team } = await production({ Eddie: 'editor' });
    const made = await owner.post(`/api/scripts/${scriptId}/elements`, element({ name: 'LX 5' }));
    const el = made.body.element.id;
    const base = made.body.version;
    const olivia = await live(scriptId, owner);
    const eddie = await live(scriptId, team.Eddie!);
    olivia.op({ kind: 'update', id: el, fields: { notes: 'Olivia’s' } }, base);
    await olivia.next('ack');
    eddie.op({ kind: 'update', id: el, fields: { notes: 'Eddie’s' } }, base);
    const won = await eddie.next('conflict');
    expect(won).toMatchObject({ yoursWon: true, field: 'notes', other: { kind: 'sm', name: 'Olivia Owner' } });
    expect(won.message).toMatch(/^Your change to LX 5 notes replaced Olivia Owner's from \d+ s ago$/);
    const lost = await olivia.next('conflict');
    expect(lost).toMatchObject({ yoursWon: false, other: { kind: 'sm', name: 'Eddie' } });
    expect(lost.message).toMatch(/^Eddie's change to LX 5 notes replaced yours/);
  });
});
