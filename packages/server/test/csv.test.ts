import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS, type Department, type Element } from '@cuebe/protocol';
import { backend, startServer, type TestServer } from './harness';
import { api, type SmClient } from './http';
import { bigScript, shape, type BigScript } from './paperwork-fixtures';
import { Wire } from './hub-wire';

const HEADER = 'Time,Type,Element Name,Description,Group Path,Department,Priority,Location,Duration,Color';

describe(`CSV export and import (${backend})`, () => {
  let s: TestServer;
  let sm: SmClient;
  let big: BigScript;
  beforeAll(async () => {
    s = await startServer();
    sm = await api(s, { displayName: 'Jane SM' });
    big = await bigScript(sm);
  });
  afterAll(() => s.close());

  const read = async (id: string) =>
    (await sm.get(`/api/scripts/${id}`)).body as {
      script: { version: number; name: string };
      elements: Element[];
      departments: Department[];
    };
  const csvPost = (path: string, text: string, type = 'text/csv') => sm.post(path, text, { 'content-type': type });
  const newScript = async (name: string) =>
    (await sm.post(`/api/shows/${big.showId}/scripts`, { name })).body.script.id as string;

  it('exports the spreadsheet columns, groups before their children, as a download', async () => {
    const res = await sm.get(`/api/scripts/${big.scriptId}/export.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="Big-book.csv"');
    const lines = res.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines[1]).toBe('-0:30:00,NOTE,HOUSE OPEN,"FOH clearance, doors open",,,NORMAL,,,');
    expect(lines[2]).toMatch(
      /^0:00:\d\d(\.\d+)?,GROUP,Act 1,"Act notes, ""quoted""",,,NORMAL,,\d+:\d\d:\d\d(\.\d+)?,#2f80ed$/,
    );
    expect(res.text).toContain(',Act 1 > Scene 1 > Storm,');
    // A cell a spreadsheet would run as a formula is written as text.
    expect(res.text).toContain(",'=SUM(A1),");
  });

  it('round trip: an export of a 300-element script with nested groups imports to the same script', async () => {
    const source = await read(big.scriptId);
    expect(source.elements).toHaveLength(300);
    const csv = (await sm.get(`/api/scripts/${big.scriptId}/export.csv`)).text;

    const copyId = await newScript('Round trip');
    const preview = await csvPost(`/api/scripts/${copyId}/import/preview`, csv);
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      ok: true,
      mode: 'replace',
      rows: 300,
      counts: { groups: 20 },
      replaces: 2,
      errors: [],
      departments: { created: [] },
    });
    expect((await read(copyId)).script.version).toBe(0); // the preview wrote nothing

    const published: number[] = [];
    const off = s.ctx.fanout.subscribe((m) => {
      if (m.type === 'entry' && m.entry.scriptId === copyId) published.push(JSON.stringify(m.entry.patch).length);
    });
    const res = await csvPost(`/api/scripts/${copyId}/import`, csv);
    off();
    expect(res.status, res.text).toBe(200);
    expect(res.body.version).toBe(1); // one op, one version
    // What sockets receive of it: one change, far below a socket's 1 MiB send cap.
    expect(published).toHaveLength(1);
    expect(published[0]).toBeLessThan(LIMITS.maxBufferedBytes / 4);
    const copy = await read(copyId);
    expect(shape(copy.elements, copy.departments)).toEqual(shape(source.elements, source.departments));

    // …and into the script it came from: the same script again (one new version).
    const again = await csvPost(`/api/scripts/${big.scriptId}/import`, csv);
    expect(again.status).toBe(200);
    const after = await read(big.scriptId);
    expect(after.script.version).toBe(source.script.version + 1);
    expect(shape(after.elements, after.departments)).toEqual(shape(source.elements, source.departments));
    // The exports of both are the same file.
    expect((await sm.get(`/api/scripts/${copyId}/export.csv`)).text).toBe(csv);

    const history = await sm.get(`/api/scripts/${copyId}/history`);
    expect(history.body.entries).toHaveLength(1);
    expect(history.body.entries[0].kind).toBe('batch');
  });

  it('reports every bad row with its line number and reason, and writes nothing', async () => {
    const id = await newScript('Bad rows');
    const before = await read(id);
    const csv = [
      HEADER,
      '0:01:00,CUE,LX 1,Fine,,LX,HIGH,,,',
      '1:xx,CUE,LX 2,,,LX,,,,', // line 3: bad time
      '0:02:00,CUE,,no name,,LX,,,,', // line 4: empty name
      '0:03:00,CUE,LX 3,"a quoted',
      'two-line note",,LX,URGENT,,,', // lines 5-6: one row, bad priority
      '0:04:00,SPARKLE,LX 4,,,LX,,,,red', // line 7: bad type and colour
      '',
      '0:05:00,CUE,LX 5,,,LX,,,-1,', // line 9: bad duration
      '0:06:00,CUE,LX 6,,,Pyrotechnics,,,,', // fine: a new department
    ].join('\n');
    const res = await csvPost(`/api/scripts/${id}/import/preview`, csv);
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.rows).toBe(7);
    const errs = res.body.errors as { line: number; column: string | null; message: string }[];
    expect(errs.map((e) => [e.line, e.column])).toEqual([
      [3, 'Time'],
      [4, 'Element Name'],
      [5, 'Priority'],
      [7, 'Type'],
      [7, 'Color'],
      [9, 'Duration'],
    ]);
    expect(errs[0]!.message).toContain('"1:xx" is not a time');
    expect(errs[2]!.message).toContain('"URGENT" is not a priority');

    const imported = await csvPost(`/api/scripts/${id}/import`, csv);
    expect(imported.status).toBe(400);
    expect(imported.body.error.code).toBe('BAD_MESSAGE');
    expect(imported.body.error.field).toBe('csv');
    expect(imported.body.error.message).toContain('6 problems');
    expect(imported.body.errors).toHaveLength(6);
    const after = await read(id);
    expect(after.script.version).toBe(before.script.version);
    expect(after.elements).toEqual(before.elements);
    // Not even the department the good row would have made.
    expect(after.departments.map((d) => d.initials)).not.toContain('P');
    expect(after.departments).toHaveLength(before.departments.length);
  });

  it('matches departments by initials or name, and creates the rest in the same transaction', async () => {
    const id = await newScript('Departments');
    const csv = [
      HEADER,
      '0:00:10,CUE,LX 1,,,lx,,,,', // initials, any case
      '0:00:20,CUE,SND 1,,,Sound,,,,', // name
      '0:00:30,CUE,PY 1,,,Pyrotechnics,SAFETY,,,', // new: initials made from the name
      '0:00:40,CUE,PY 2,,,pyrotechnics,,,,', // same new department
      '0:00:50,CUE,AUT 1,,,AUTO,,,,', // new: short enough to be its own initials
    ].join('\n');
    const preview = await csvPost(`/api/scripts/${id}/import/preview`, csv);
    expect(preview.body.ok).toBe(true);
    expect(
      preview.body.departments.matched.map((m: { value: string; initials: string }) => [m.value, m.initials]),
    ).toEqual([
      ['lx', 'LX'],
      ['Sound', 'SND'],
    ]);
    expect(
      preview.body.departments.created.map((c: { value: string; name: string; initials: string }) => [
        c.value,
        c.name,
        c.initials,
      ]),
    ).toEqual([
      ['Pyrotechnics', 'Pyrotechnics', 'PYR'],
      ['AUTO', 'AUTO', 'AUTO'],
    ]);
    const res = await csvPost(`/api/scripts/${id}/import`, csv);
    expect(res.status).toBe(200);
    const after = await read(id);
    const pyro = after.departments.find((d) => d.name === 'Pyrotechnics')!;
    expect(pyro.initials).toBe('PYR');
    expect(after.elements.filter((e) => e.departmentId === pyro.id).map((e) => e.name)).toEqual(['PY 1', 'PY 2']);
    expect(after.elements.map((e) => e.name)).toEqual(['LX 1', 'SND 1', 'PY 1', 'PY 2', 'AUT 1']);
  });

  it('builds groups from Group Path alone, and append mode adds after what is there', async () => {
    const id = await newScript('Paths');
    const csv = [
      'Element Name,Time,Group Path,Department',
      'LX 1,0:01:00,Act 1 > Storm,LX',
      'LX 2,0:02:00,Act 1>Storm,LX',
      'SND 1,0:03:00,Act 1,SND',
    ].join('\n');
    const res = await csvPost(`/api/scripts/${id}/import?mode=append`, csv);
    expect(res.status, res.text).toBe(200);
    const after = await read(id);
    expect(shape(after.elements, after.departments).map((r) => `${'  '.repeat(r.depth)}${r.name}`)).toEqual([
      'SHOW START',
      'SHOW END',
      'Act 1',
      '  Storm',
      '    LX 1',
      '    LX 2',
      '  SND 1',
    ]);
    const storm = after.elements.find((e) => e.name === 'Storm')!;
    expect([storm.offsetMs, storm.durationMs]).toEqual([60_000, 60_000]);
  });

  it('a row count past the limit, a file without names, and a wrong body are clear 400s / 413s', async () => {
    const id = await newScript('Limits');
    const noName = await csvPost(`/api/scripts/${id}/import/preview`, 'Time,Type\n0:00:01,CUE\n');
    expect(noName.body.errors[0]).toMatchObject({ line: 1, column: 'Element Name' });
    const rows = Array.from({ length: 2001 }, (_, i) => `0:00:01,CUE,C ${i}`);
    const many = await csvPost(`/api/scripts/${id}/import/preview`, ['Time,Type,Element Name', ...rows].join('\n'));
    expect(many.body.errors).toEqual([
      { line: 2002, column: null, message: 'too many rows: at most 2000 in one import' },
    ]);
    const json = await sm.post(`/api/scripts/${id}/import`, { csv: 'x' });
    expect(json.status).toBe(400);
    expect(json.body.error.field).toBe('csv');
    const huge = await csvPost(`/api/scripts/${id}/import/preview`, 'Element Name\n' + 'x'.repeat(2 * 1024 * 1024));
    expect(huge.status).toBe(413);
    const badMode = await csvPost(`/api/scripts/${id}/import?mode=merge`, 'Element Name\nA\n');
    expect(badMode.status).toBe(400);
    expect(badMode.body.error.field).toBe('mode');
    // A plain-text body works too (what a browser's file picker may send).
    const plain = await csvPost(`/api/scripts/${id}/import/preview`, 'Element Name,Time\nA,0:00:01\n', 'text/plain');
    expect(plain.body.ok).toBe(true);
  });

  it('another owner cannot export or import (404), and crew links cannot (403)', async () => {
    const other = await api(s);
    expect((await other.get(`/api/scripts/${big.scriptId}/export.csv`)).status).toBe(404);
    expect(
      (await other.post(`/api/scripts/${big.scriptId}/import`, 'Element Name\nA', { 'content-type': 'text/csv' }))
        .status,
    ).toBe(404);
    const anon = await fetch(`${s.url}/api/scripts/${big.scriptId}/export.csv`);
    expect(anon.status).toBe(401);
  });

  it('an import reaches open sockets as one change, like any other op', async () => {
    const id = await newScript('Live');
    const w = await Wire.hello(s, id, { cookie: sm.cookie });
    try {
      await w.next('welcome');
      const csv = [HEADER, '0:00:05,CUE,LX 1,,Act 1,LX,,,,', '0:00:06,CUE,LX 2,,Act 1,LX,,,,'].join('\n');
      const res = await csvPost(`/api/scripts/${id}/import`, csv);
      expect(res.status).toBe(200);
      const msg = await w.next('changes', (m) => m.changes.some((c) => c.version === res.body.version));
      const change = msg.changes.find((c) => c.version === res.body.version)!;
      expect(change.kind).toBe('batch');
      expect(change.patch.upserts.map((e) => e.name).sort()).toEqual(['Act 1', 'LX 1', 'LX 2']);
      expect(change.patch.deletes).toHaveLength(2); // SHOW START and SHOW END replaced
      expect(w.invalid).toEqual([]);
    } finally {
      w.close();
    }
  });
});
