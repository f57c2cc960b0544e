/**
 * The database schema (Drizzle). Both backends (PGlite, PostgreSQL) run the same migrations,
 * generated from this file into ../../drizzle by `npm run db:generate -w @cuebe/server`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Actor, Element, Patch, PlaybackState, Prev, ShowEventDataWire, SimpleOp, Op } from '@cuebe/protocol';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const created = () => ts('created_at').notNull().defaultNow();

export const users = pgTable('users', {
  id: uuid('id').primaryKey(),
  email: text('email').notNull().unique(),
  displayName: text('display_name').notNull(),
  passwordHash: text('password_hash').notNull(),
  /** The account's own settings (notification preferences); parsed with their schema on read. */
  preferences: jsonb('preferences')
    .$type<Record<string, unknown>>()
    .notNull()
    .default(sql`'{}'::jsonb`),
  createdAt: created(),
});

export const sessions = pgTable(
  'sessions',
  {
    /** sha256 of the cookie's token: a database leak does not hand out sessions. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: created(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const shows = pgTable(
  'shows',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    venue: text('venue').notNull().default(''),
    firstPerformanceAt: ts('first_performance_at'),
    endsAt: ts('ends_at'),
    notes: text('notes').notNull().default(''),
    createdAt: created(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('shows_owner_idx').on(t.ownerId)],
);

export const departments = pgTable(
  'departments',
  {
    id: uuid('id').primaryKey(),
    showId: uuid('show_id')
      .notNull()
      .references(() => shows.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    initials: text('initials').notNull(),
    colour: text('colour').notNull(),
    createdAt: created(),
  },
  (t) => [index('departments_show_idx').on(t.showId)],
);

export const scripts = pgTable(
  'scripts',
  {
    id: uuid('id').primaryKey(),
    showId: uuid('show_id')
      .notNull()
      .references(() => shows.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    status: text('status').$type<'DRAFT' | 'WORKING' | 'FINAL' | 'IMPORTED' | 'BACKUP' | 'COPY'>().notNull(),
    notes: text('notes').notNull().default(''),
    plannedStart: ts('planned_start'),
    plannedEnd: ts('planned_end'),
    shared: boolean('shared').notNull().default(false),
    /** Bumped by one in the transaction of every committed op (DESIGN §3). */
    version: integer('version').notNull().default(0),
    createdAt: created(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('scripts_show_idx').on(t.showId)],
);

/**
 * A saved version: a BACKUP script that is a snapshot of `sourceScriptId` at `sourceVersion`.
 * Its elements have ids of their own (ids are unique across scripts); `idMap` maps each back to
 * the source element it was copied from, so versions compare and restore by the source's ids.
 */
export const scriptVersions = pgTable(
  'script_versions',
  {
    scriptId: uuid('script_id')
      .primaryKey()
      .references(() => scripts.id, { onDelete: 'cascade' }),
    sourceScriptId: uuid('source_script_id').references(() => scripts.id, { onDelete: 'set null' }),
    sourceVersion: integer('source_version').notNull(),
    /** Snapshot element id → source element id. */
    idMap: jsonb('id_map').$type<Record<string, string>>().notNull(),
    createdBy: jsonb('created_by').$type<Actor & { id: string | null }>().notNull(),
    createdAt: created(),
  },
  (t) => [index('script_versions_source_idx').on(t.sourceScriptId)],
);

/** Per field: the version that last changed it, and who — for conflict notices. */
export type FieldMeta = Record<
  string,
  { v: number; by: Actor & { id: string | null; deviceId?: string | null }; at: string }
>;

export const elements = pgTable(
  'elements',
  {
    id: uuid('id').primaryKey(),
    scriptId: uuid('script_id')
      .notNull()
      .references(() => scripts.id, { onDelete: 'cascade' }),
    type: text('type').$type<Element['type']>().notNull(),
    name: text('name').notNull(),
    notes: text('notes').notNull().default(''),
    departmentId: uuid('department_id'),
    priority: text('priority').$type<Element['priority']>().notNull(),
    offsetMs: integer('offset_ms').notNull(),
    durationMs: integer('duration_ms'),
    location: text('location').notNull().default(''),
    colour: text('colour'),
    parentId: uuid('parent_id'),
    orderKey: text('order_key').notNull(),
    fieldMeta: jsonb('field_meta')
      .$type<FieldMeta>()
      .notNull()
      .default(sql`'{}'::jsonb`),
  },
  (t) => [index('elements_script_idx').on(t.scriptId)],
);

/** The op log: one row per committed version of a script. */
export const ops = pgTable(
  'ops',
  {
    scriptId: uuid('script_id')
      .notNull()
      .references(() => scripts.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    /** The client's op id (idempotency); null for server-made entries. */
    opId: uuid('op_id'),
    actor: jsonb('actor').$type<Actor & { id: string | null }>().notNull(),
    kind: text('kind').notNull(),
    op: jsonb('op').$type<Op | SimpleOp | { kind: string }>().notNull(),
    patch: jsonb('patch').$type<Patch>().notNull(),
    prev: jsonb('prev').$type<Prev>().notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.scriptId, t.version] }), uniqueIndex('ops_op_id_idx').on(t.scriptId, t.opId)],
);

/**
 * Idempotency keys of REST writes whose answer is more than a version (an import's summary, a
 * saved version): written in the write's own transaction, so a retry with the same key finds
 * the write and answers what the first attempt would have (SPEC W-IDEM-2). Keys of op-log
 * writes are also the op's op id, which is what makes the write happen once.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scriptId: uuid('script_id')
      .notNull()
      .references(() => scripts.id, { onDelete: 'cascade' }),
    key: uuid('key').notNull(),
    /** What the key was used for ('import', 'saveVersion', …): another kind with the same key is refused. */
    kind: text('kind').notNull(),
    reply: jsonb('reply').$type<unknown>().notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.scriptId, t.key] })],
);

export const crew = pgTable(
  'crew',
  {
    id: uuid('id').primaryKey(),
    showId: uuid('show_id')
      .notNull()
      .references(() => shows.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    email: text('email'),
    role: text('role').notNull().default(''),
    allDepartments: boolean('all_departments').notNull().default(false),
    departmentIds: jsonb('department_ids')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    expiresAt: ts('expires_at').notNull(),
    revokedAt: ts('revoked_at'),
    /** Bumped by a rotation: the link is an HMAC of (id, generation), so showing it again needs no plain copy. */
    generation: integer('generation').notNull().default(0),
    /** sha256 of the current link token, for look-up. */
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: created(),
  },
  (t) => [index('crew_show_idx').on(t.showId)],
);

/** Server-wide settings shared by every node (the link-signing secret when CUEBE_SECRET is unset). */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Live playback state per script (DESIGN §5): versioned like the script, separately from it. */
export const playback = pgTable('playback', {
  scriptId: uuid('script_id')
    .primaryKey()
    .references(() => scripts.id, { onDelete: 'cascade' }),
  /** Equals state.version; bumped by one in the transaction of every applied command. */
  version: integer('version').notNull(),
  state: jsonb('state').$type<PlaybackState>().notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Every call and state change of a show, with server reference time and who: the show log. */
export const showEvents = pgTable(
  'show_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    scriptId: uuid('script_id')
      .notNull()
      .references(() => scripts.id, { onDelete: 'cascade' }),
    /** The performance this event belongs to, once performances are recorded. */
    performanceId: uuid('performance_id'),
    at: ts('at').notNull().defaultNow(),
    /** Server reference time of the event (ms since epoch). */
    serverMs: bigint('server_ms', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    actor: jsonb('actor').$type<Actor & { id: string | null }>().notNull(),
    data: jsonb('data').$type<ShowEventData>().notNull(),
    /** The playback version a command produced; null for events that change no state. */
    version: integer('version'),
    /** The client's command id: a retried command is applied once. */
    commandId: uuid('command_id'),
  },
  (t) => [
    index('show_events_script_idx').on(t.scriptId, t.id),
    uniqueIndex('show_events_command_idx').on(t.scriptId, t.commandId),
    index('show_events_performance_idx').on(t.performanceId, t.id),
  ],
);

/**
 * A run of the show (issue 8): started by house open or play from STOPPED, ended by complete or
 * stop. Its events are the show_events with its id; the show report is computed from them.
 */
export const performances = pgTable(
  'performances',
  {
    id: uuid('id').primaryKey(),
    scriptId: uuid('script_id')
      .notNull()
      .references(() => scripts.id, { onDelete: 'cascade' }),
    /** 1, 2, 3… per script. */
    number: integer('number').notNull(),
    startedServerMs: bigint('started_server_ms', { mode: 'number' }).notNull(),
    endedServerMs: bigint('ended_server_ms', { mode: 'number' }),
    calledBy: jsonb('called_by').$type<Actor & { id: string | null }>().notNull(),
    notes: text('notes').notNull().default(''),
    createdAt: created(),
  },
  (t) => [uniqueIndex('performances_number_idx').on(t.scriptId, t.number)],
);

/** What an event carries: for a command, the command, the status it left and the show time then. */
export type ShowEventData = ShowEventDataWire;

/**
 * A show's production team (issue 9): accounts the owner invited, as editor (a deputy or
 * assistant SM: edits scripts and calls the show) or viewer (reads everything, edits nothing).
 * The owner is not a row here; shows.owner_id stays the one source of ownership.
 */
export const showMembers = pgTable(
  'show_members',
  {
    showId: uuid('show_id')
      .notNull()
      .references(() => shows.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<'editor' | 'viewer'>().notNull(),
    /** Who invited them (null when that account is gone). */
    invitedBy: uuid('invited_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.showId, t.userId] }), index('show_members_user_idx').on(t.userId)],
);

/**
 * Each node's presence snapshot per script, written only while its Redis bus is down or silent
 * (SPEC R4), so the other nodes, polling the database meanwhile, still see who is connected.
 * The snapshot is the fan-out message as it goes on the bus, parsed like one when read.
 */
export const nodePresence = pgTable(
  'node_presence',
  {
    nodeId: text('node_id').notNull(),
    scriptId: uuid('script_id')
      .notNull()
      .references(() => scripts.id, { onDelete: 'cascade' }),
    snapshot: text('snapshot').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.nodeId, t.scriptId] }), index('node_presence_script_idx').on(t.scriptId)],
);
