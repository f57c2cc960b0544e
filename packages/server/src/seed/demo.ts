/**
 * Demo data on first start: an SM account, "The Tempest" with the usual departments, a shared
 * prompt script of realistic cues across two acts and an interval, and one crew link (LX only).
 * The builders are exported so benchmarks and browser tests can make the same script.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import {
  applyOp,
  initialPlaybackState,
  keysBetween,
  type Element,
  type Priority,
  type SimpleOp,
} from '@cuebe/protocol';
import type { AppContext } from '../context';
import type { Db } from '../db/open';
import { crew, playback, users } from '../db/schema';
import { isUniqueViolation } from '../errors';
import { hashPassword } from '../auth/password';
import { crewLinkToken, sha256 } from '../auth/tokens';
import { createScript } from '../scripts/create';
import { createShow } from '../shows/create';

const MIN = 60_000;
const SEC = 1000;

type Dept = 'LX' | 'SND' | 'FLY' | 'DECK' | 'VID' | 'SM';
/** A row of the demo script: [offset, type, department, name, notes, location, priority, duration]. */
type Row = [number, 'CUE' | 'NOTE', Dept | null, string, string, string?, Priority?, number?];
type Block = Row | { group: string; colour: string; notes: string; rows: Row[] };

const SCRIPT: Block[] = [
  [-30 * MIN, 'NOTE', 'SM', 'HOUSE OPEN', 'FOH clearance received; doors open', 'FOH'],
  [-30 * MIN, 'CUE', 'LX', 'LX 1', 'House lights 100%, pre-set state on stage', 'Auditorium', 'NORMAL', 5 * SEC],
  [-30 * MIN, 'CUE', 'SND', 'SND 1', 'Pre-show: distant sea and gulls, low level loop', 'Auditorium', 'LOW'],
  [-5 * MIN, 'NOTE', 'SM', 'Beginners call', 'Act 1 beginners: Prospero, Miranda, Ariel, the mariners', 'Backstage'],
  [-1 * MIN, 'CUE', 'SND', 'SND 2', 'Phones-off announcement', 'Auditorium', 'NORMAL', 25 * SEC],
  [0, 'NOTE', null, 'SHOW START', ''],
  [0, 'CUE', 'LX', 'LX 2', 'House to half', 'Auditorium', 'HIGH', 5 * SEC],
  [10 * SEC, 'CUE', 'LX', 'LX 3', 'House out; storm pre-set', 'Auditorium', 'HIGH', 3 * SEC],
  [12 * SEC, 'CUE', 'SND', 'SND 3', 'Storm: thunder roll into wind bed', 'Auditorium', 'HIGH', 90 * SEC],
  {
    group: 'The storm',
    colour: '#2f80ed',
    notes: 'Act 1 sc. 1 — fast sequence, call from the book',
    rows: [
      [
        20 * SEC,
        'CUE',
        'LX',
        'LX 4',
        'Lightning: three strobe flashes (strobe notice FOH)',
        'Rig',
        'CRITICAL',
        2 * SEC,
      ],
      [
        35 * SEC,
        'CUE',
        'FLY',
        'FLY 1',
        'Sail cloth in to deck — ASM confirms deck clear on cans',
        'Fly floor SL',
        'SAFETY',
        8 * SEC,
      ],
      [40 * SEC, 'CUE', 'DECK', 'DECK 1', 'Rigging truck on from SR', 'SR wing', 'CRITICAL', 6 * SEC],
      [70 * SEC, 'CUE', 'SND', 'SND 4', 'Ship splitting: crash and timbers', 'Auditorium', 'HIGH', 4 * SEC],
      [72 * SEC, 'CUE', 'LX', 'LX 5', 'Blackout', 'Rig', 'HIGH'],
      [80 * SEC, 'CUE', 'FLY', 'FLY 2', 'Sail cloth out, fast', 'Fly floor SL', 'SAFETY', 4 * SEC],
      [85 * SEC, 'CUE', 'DECK', 'DECK 2', 'Rigging truck off SR in the blackout', 'SR wing', 'HIGH', 6 * SEC],
    ],
  },
  [90 * SEC, 'CUE', 'LX', 'LX 6', "Prospero's cell: warm morning", 'Rig', 'NORMAL', 8 * SEC],
  [90 * SEC, 'CUE', 'SND', 'SND 5', 'Storm fades to calm sea', 'Auditorium', 'NORMAL', 10 * SEC],
  [9 * MIN + 40 * SEC, 'CUE', 'LX', 'LX 7', "Ariel's entrance: special DSL", 'DSL', 'NORMAL', 2 * SEC],
  [12 * MIN + 5 * SEC, 'CUE', 'SND', 'SND 6', '"Come unto these yellow sands" — playback', 'Auditorium', 'NORMAL'],
  [17 * MIN + 30 * SEC, 'CUE', 'LX', 'LX 8', 'Scene change: the shore, cool wash', 'Rig', 'NORMAL', 6 * SEC],
  [17 * MIN + 30 * SEC, 'CUE', 'DECK', 'DECK 3', 'Log pile on from SL', 'SL wing', 'NORMAL', 10 * SEC],
  [24 * MIN, 'CUE', 'SND', 'SND 7', "Caliban's thunder, distant", 'Auditorium', 'LOW', 3 * SEC],
  [31 * MIN + 20 * SEC, 'CUE', 'LX', 'LX 9', 'Ferdinand enters: golden afternoon', 'Rig', 'NORMAL', 20 * SEC],
  [38 * MIN, 'CUE', 'VID', 'VID 1', 'Sea surface projection on the cyc', 'Cyc', 'OPTIONAL', 30 * SEC],
  [52 * MIN + 45 * SEC, 'CUE', 'LX', 'LX 10', 'Banquet reveal', 'Rig', 'NORMAL', 4 * SEC],
  {
    group: 'Banquet vanishes',
    colour: '#eb5757',
    notes: 'Act 3 sc. 3 — Ariel as harpy; wire and trap together',
    rows: [
      [
        58 * MIN + 10 * SEC,
        'CUE',
        'FLY',
        'FLY 3',
        'Harpy wire in — flyman confirms harness check',
        'Fly floor SR',
        'SAFETY',
        5 * SEC,
      ],
      [58 * MIN + 12 * SEC, 'CUE', 'SND', 'SND 8', 'Thunder and harpy screech', 'Auditorium', 'HIGH', 3 * SEC],
      [58 * MIN + 12 * SEC, 'CUE', 'LX', 'LX 11', 'Flash into red harpy state', 'Rig', 'HIGH', 1 * SEC],
      [
        58 * MIN + 30 * SEC,
        'CUE',
        'DECK',
        'DECK 4',
        'Banquet table sinks (centre trap)',
        'Centre trap',
        'SAFETY',
        8 * SEC,
      ],
    ],
  },
  [64 * MIN + 30 * SEC, 'CUE', 'LX', 'LX 12', 'End of Act 1: slow fade to black', 'Rig', 'HIGH', 6 * SEC],
  [65 * MIN, 'NOTE', 'SM', 'INTERVAL', '20 minutes. Calls at 10, 5 and beginners', 'Backstage', 'NORMAL', 20 * MIN],
  [65 * MIN + 5 * SEC, 'CUE', 'LX', 'LX 13', 'House lights up: interval state', 'Auditorium', 'NORMAL', 5 * SEC],
  [65 * MIN + 5 * SEC, 'CUE', 'SND', 'SND 9', 'Interval music', 'Auditorium', 'LOW'],
  [80 * MIN, 'NOTE', 'SM', 'Act 2 beginners', 'Beginners please: Caliban, Trinculo, Stephano', 'Backstage'],
  [85 * MIN, 'CUE', 'LX', 'LX 14', 'House out; Act 2 pre-set', 'Auditorium', 'HIGH', 5 * SEC],
  [85 * MIN + 5 * SEC, 'CUE', 'SND', 'SND 10', 'Island ambience: birds and surf', 'Auditorium', 'NORMAL', 8 * SEC],
  [97 * MIN, 'CUE', 'LX', 'LX 15', 'The masque: pastel wash', 'Rig', 'NORMAL', 10 * SEC],
  [97 * MIN, 'CUE', 'VID', 'VID 2', 'Masque: rainbow projection', 'Cyc', 'NORMAL', 6 * MIN],
  [97 * MIN + 10 * SEC, 'CUE', 'FLY', 'FLY 4', "Juno's chariot in", 'Fly floor SL', 'SAFETY', 12 * SEC],
  [104 * MIN + 30 * SEC, 'CUE', 'SND', 'SND 11', 'Masque music cuts; hounds', 'Auditorium', 'HIGH', 5 * SEC],
  [105 * MIN, 'CUE', 'FLY', 'FLY 5', 'Chariot out', 'Fly floor SL', 'SAFETY', 12 * SEC],
  [128 * MIN, 'CUE', 'LX', 'LX 16', "Prospero's renunciation: tight special CS", 'CS', 'NORMAL', 15 * SEC],
  [141 * MIN, 'CUE', 'SND', 'SND 12', 'Epilogue underscore', 'Auditorium', 'NORMAL'],
  [146 * MIN, 'CUE', 'LX', 'LX 17', 'Epilogue: single special on Prospero', 'DSC', 'NORMAL', 15 * SEC],
  [149 * MIN, 'CUE', 'LX', 'LX 18', 'Blackout', 'Rig', 'HIGH'],
  [149 * MIN + 10 * SEC, 'CUE', 'LX', 'LX 19', 'Curtain call state', 'Rig', 'NORMAL', 3 * SEC],
  [150 * MIN, 'NOTE', null, 'SHOW END', ''],
  [152 * MIN, 'CUE', 'LX', 'LX 20', 'House lights up; exit music (SND 13 on visual)', 'Auditorium', 'LOW', 5 * SEC],
];

function rowElement(row: Row, depts: Record<Dept, string>, parentId: string | null, orderKey: string): Element {
  const [offsetMs, type, dept, name, notes, location = '', priority = 'NORMAL', durationMs = null] = row;
  return {
    id: randomUUID(),
    type,
    name,
    notes,
    departmentId: dept ? depts[dept] : null,
    priority,
    offsetMs,
    durationMs,
    location,
    colour: null,
    parentId,
    orderKey,
  };
}

/** The demo script's elements (46, two of them groups) for a show's departments by initials. */
export function demoElements(depts: Record<Dept, string>): Element[] {
  const ops: SimpleOp[] = [];
  const top = keysBetween(null, null, SCRIPT.length);
  SCRIPT.forEach((block, i) => {
    if (Array.isArray(block)) {
      ops.push({ kind: 'create', element: rowElement(block, depts, null, top[i]!) });
      return;
    }
    const group: Element = {
      id: randomUUID(),
      type: 'GROUP',
      name: block.group,
      notes: block.notes,
      departmentId: null,
      priority: 'NORMAL',
      offsetMs: block.rows[0]![0],
      durationMs: null,
      location: '',
      colour: block.colour,
      parentId: null,
      orderKey: top[i]!,
    };
    ops.push({ kind: 'create', element: group });
    const keys = keysBetween(null, null, block.rows.length);
    block.rows.forEach((row, j) => ops.push({ kind: 'create', element: rowElement(row, depts, group.id, keys[j]!) }));
  });
  // Through applyOp, so group timing follows from the children exactly as it will after edits.
  const empty = {
    info: { name: '', status: 'DRAFT' as const, notes: '', plannedStart: null, plannedEnd: null },
    elements: new Map(),
  };
  return [...applyOp(empty, { kind: 'batch', ops }).state.elements.values()];
}

/** Departments by initials, for demoElements. Missing ones fall back to the first department. */
export function departmentsByInitials(list: { id: string; initials: string }[]): Record<Dept, string> {
  const find = (i: Dept) => list.find((d) => d.initials === i)?.id ?? list[0]!.id;
  return { LX: find('LX'), SND: find('SND'), FLY: find('FLY'), DECK: find('DECK'), VID: find('VID'), SM: find('SM') };
}

/** A shared demo script in a show (version 0, no history). */
export async function createDemoScript(
  db: Db,
  showId: string,
  departments: { id: string; initials: string }[],
  opts: { name?: string; shared?: boolean } = {},
) {
  return createScript(
    db,
    {
      showId,
      name: opts.name ?? 'Prompt script',
      status: 'WORKING',
      notes: 'Calling script for the run. Safety cues need a verbal standby and a confirmed clear.',
      plannedStart: null,
      plannedEnd: null,
      shared: opts.shared ?? true,
    },
    demoElements(departmentsByInitials(departments)),
  );
}

export interface DemoSeed {
  userId: string;
  email: string;
  password: string;
  showId: string;
  scriptId: string;
  crewId: string;
  /** The crew link's token (the part after `#`). */
  token: string;
  link: string;
  lines: string[];
}

/** An SM account with The Tempest, its script and an LX operator's link. */
export async function seedDemo(
  ctx: AppContext,
  baseUrl: string,
  account: { email: string; password: string; displayName: string },
): Promise<DemoSeed> {
  const db = ctx.database.db;
  const userId = randomUUID();
  await db.insert(users).values({
    id: userId,
    email: account.email,
    displayName: account.displayName,
    passwordHash: await hashPassword(account.password),
  });
  const { show, departments } = await createShow(db, userId, {
    name: 'The Tempest',
    venue: 'The Rose Playhouse',
    firstPerformanceAt: nextEvening().toISOString(),
    endsAt: null,
    notes: 'Demo production. Running time about 2 h 30 with a 20-minute interval.',
    defaultDepartments: true,
  });
  const { script } = await createDemoScript(db, show.id, departments);
  // The show is ready to call: stopped at 0:00:00, at performance speed (rate 1.0; the SM's
  // live panel sets 0.5×–2× for a rehearsal), guards at their defaults.
  const state = initialPlaybackState(ctx.clock.now());
  await db.insert(playback).values({ scriptId: script.id, version: 0, state });
  const crewId = randomUUID();
  const lx = departmentsByInitials(departments).LX;
  const token = crewLinkToken(ctx.secret, crewId, 0);
  await db.insert(crew).values({
    id: crewId,
    showId: show.id,
    name: 'Sam',
    role: 'LX operator',
    allDepartments: false,
    departmentIds: [lx],
    expiresAt: new Date(Date.now() + 30 * 86_400_000),
    generation: 0,
    tokenHash: sha256(token),
  });
  const link = `${baseUrl}/c#${token}`;
  return {
    userId,
    email: account.email,
    password: account.password,
    showId: show.id,
    scriptId: script.id,
    crewId,
    token,
    link,
    lines: [
      '  Demo data created (first start):',
      `    stage manager log-in: ${account.email} / ${account.password}`,
      `    crew link for Sam — LX operator: ${link}`,
    ],
  };
}

/** Demo data on first start (no users yet): returns the lines to print, or null. */
export async function seedDemoIfEmpty(ctx: AppContext, baseUrl: string): Promise<{ lines: string[] } | null> {
  const [row] = await ctx.database.db.select({ n: sql<number>`count(*)::int` }).from(users);
  if (!row || row.n > 0) return null;
  try {
    const seeded = await seedDemo(ctx, baseUrl, {
      email: 'demo@cuebe.example',
      // Printed once: a random password, so a server reachable on a LAN has no known log-in.
      password: randomBytes(9).toString('base64url'),
      displayName: 'Demo Stage Manager',
    });
    return { lines: seeded.lines };
  } catch (err) {
    // Another node starting at the same moment seeded first.
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

/** 19:30 tomorrow, local time. */
function nextEvening(): Date {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  d.setHours(19, 30, 0, 0);
  return d;
}
