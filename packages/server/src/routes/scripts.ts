/** Scripts of a show: create (with SHOW START/END), read, edit info, share, duplicate, delete, ops. */
import { asc, desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import {
  OpMessage,
  ScriptCreateBody,
  ScriptDuplicateBody,
  ScriptUpdateBody,
  treeOrder,
  type ScriptInfo,
} from '@cuebe/protocol';
import type { AppContext } from '../context';
import { departments, elements, scripts } from '../db/schema';
import { notFound } from '../errors';
import { idempotencyKey } from '../http/idempotency';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { scriptFor, showFor } from '../auth/roles';
import { createScript, duplicateScript } from '../scripts/create';
import { commitAndPublish, publishEntry } from '../scripts/publish';
import { toDepartment, toElement, toScript, toScriptInfo } from '../scripts/rows';
import { toAppError } from '../scripts/store';

const ScriptParam = IdParam('scriptId');
/** The socket's op message without its type: the same op, the same commit path. */
export const OpBody = OpMessage.omit({ type: true });

/** The database keeps instants, so the op carries them as the database gives them back. */
const utc = (t: string | null) => (t === null ? null : new Date(t).toISOString());
/** Two instants given as ISO strings (offsets may differ) or null. */
const sameTime = (a: string | null, b: string | null) =>
  a === null || b === null ? a === b : Date.parse(a) === Date.parse(b);

export async function scriptRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  app.get('/api/shows/:showId/scripts', async (req) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(IdParam('showId'), req.params);
    await showFor(db, user.id, showId, 'read');
    const rows = await db.select().from(scripts).where(eq(scripts.showId, showId)).orderBy(desc(scripts.createdAt));
    return { scripts: rows.map(toScript) };
  });

  app.post('/api/shows/:showId/scripts', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { showId } = parse(IdParam('showId'), req.params);
    const body = parse(ScriptCreateBody, req.body);
    await showFor(db, user.id, showId, 'edit');
    const made = await createScript(db, { showId, ...body });
    // A script made shared appears on open crew lists at once (S18).
    if (made.script.shared)
      await ctx.fanout.publish({
        type: 'sharing',
        origin: ctx.fanout.nodeId,
        scriptId: made.script.id,
        shared: true,
        showId,
      });
    return reply.status(201).send({ script: toScript(made.script), elements: made.elements });
  });

  app.get('/api/scripts/:scriptId', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(ScriptParam, req.params);
    await scriptFor(db, user.id, scriptId, 'read');
    return readScript(ctx, scriptId);
  });

  app.patch('/api/scripts/:scriptId', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(ScriptParam, req.params);
    const body = parse(ScriptUpdateBody, req.body);
    const { script: row } = await scriptFor(db, user.id, scriptId, 'edit');
    // Info fields are part of the script's versioned state: commit them as an op so open
    // sockets see them. Only fields that actually change, so a no-op makes no version.
    const current = toScriptInfo(row);
    const fields: Partial<ScriptInfo> = {};
    if (body.name !== undefined && body.name !== current.name) fields.name = body.name;
    if (body.status !== undefined && body.status !== current.status) fields.status = body.status;
    if (body.notes !== undefined && body.notes !== current.notes) fields.notes = body.notes;
    if (body.plannedStart !== undefined && !sameTime(body.plannedStart, current.plannedStart))
      fields.plannedStart = utc(body.plannedStart);
    if (body.plannedEnd !== undefined && !sameTime(body.plannedEnd, current.plannedEnd))
      fields.plannedEnd = utc(body.plannedEnd);
    const key = idempotencyKey(req);
    if (Object.keys(fields).length > 0)
      await commitAndPublish(ctx, user, { scriptId, op: { kind: 'scriptInfo', fields }, opId: key });
    else if (key) {
      // A retry of a change that committed (nothing left to change): its version is published
      // again, in case the first attempt's reply — and with it the publish — was lost (SPEC W4).
      const [first] = await ctx.store.committedOps(scriptId, [key]);
      if (first) await publishEntry(ctx, first);
    }
    if (body.shared !== undefined && body.shared !== row.shared) {
      await db.update(scripts).set({ shared: body.shared, updatedAt: new Date() }).where(eq(scripts.id, scriptId));
      if (!body.shared)
        await ctx.fanout.publish({ type: 'access', origin: ctx.fanout.nodeId, reason: 'unshared', scriptId });
      await ctx.fanout.publish({
        type: 'sharing',
        origin: ctx.fanout.nodeId,
        scriptId,
        shared: body.shared,
        showId: row.showId,
      });
    }
    const [after] = await db.select().from(scripts).where(eq(scripts.id, scriptId));
    if (!after) throw notFound('script');
    return { script: toScript(after) };
  });

  app.delete('/api/scripts/:scriptId', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(ScriptParam, req.params);
    // Deleting cannot be undone: the owner's call alone (docs/DECISIONS.md 9).
    const { script: row } = await scriptFor(db, user.id, scriptId, 'own');
    await db.delete(scripts).where(eq(scripts.id, scriptId));
    ctx.store.invalidate(scriptId);
    await ctx.fanout.publish({ type: 'access', origin: ctx.fanout.nodeId, reason: 'deleted', scriptId });
    if (row.shared)
      await ctx.fanout.publish({
        type: 'sharing',
        origin: ctx.fanout.nodeId,
        scriptId,
        shared: false,
        showId: row.showId,
      });
    return reply.status(204).send();
  });

  app.post('/api/scripts/:scriptId/duplicate', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(ScriptParam, req.params);
    const body = parse(ScriptDuplicateBody, req.body);
    const { script: source } = await scriptFor(db, user.id, scriptId, 'edit');
    const name = body.name ?? `${source.name} (copy)`.slice(0, 200);
    const made = await duplicateScript(db, source, name);
    return reply.status(201).send({ script: toScript(made.script) });
  });

  app.post('/api/scripts/:scriptId/ops', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(ScriptParam, req.params);
    const body = parse(OpBody, req.body);
    await scriptFor(db, user.id, scriptId, 'edit');
    const result = await commitAndPublish(ctx, user, { scriptId, ...body });
    return { version: result.entry.version, prev: result.entry.prev, duplicate: result.duplicate };
  });
}

/** Script, elements (tree order) and departments at one consistent version. */
export async function readScript(ctx: AppContext, scriptId: string) {
  try {
    return await ctx.database.db.transaction(
      async (tx) => {
        const [row] = await tx.select().from(scripts).where(eq(scripts.id, scriptId));
        if (!row) throw notFound('script');
        const els = await tx.select().from(elements).where(eq(elements.scriptId, scriptId));
        const depts = await tx
          .select()
          .from(departments)
          .where(eq(departments.showId, row.showId))
          .orderBy(asc(departments.createdAt), asc(departments.name));
        return {
          script: toScript(row),
          elements: treeOrder(els.map(toElement)).map((r) => r.element),
          departments: depts.map(toDepartment),
        };
      },
      { isolationLevel: 'repeatable read' },
    );
  } catch (err) {
    throw toAppError(err);
  }
}
