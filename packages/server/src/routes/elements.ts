/** Element wrappers: each is one op through the same commit path as the socket. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ElementCreateBody, ElementPatch, type Element } from '@cuebe/protocol';
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context';
import { elements } from '../db/schema';
import { notFound } from '../errors';
import { idempotencyKey } from '../http/idempotency';
import { parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { scriptFor } from '../auth/roles';
import { commitAndPublish } from '../scripts/publish';
import { toElement } from '../scripts/rows';

const ElementParams = z.object({
  scriptId: z.uuid('scriptId must be a UUID'),
  elementId: z.uuid('elementId must be a UUID'),
});

export async function elementRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  /** The element as committed (a group's timing may have been recomputed), else as stored now. */
  async function elementAfter(scriptId: string, id: string, upserts: Element[]): Promise<Element> {
    const el = upserts.find((u) => u.id === id);
    if (el) return el;
    const [row] = await db
      .select()
      .from(elements)
      .where(and(eq(elements.scriptId, scriptId), eq(elements.id, id)));
    if (!row) throw notFound('element');
    return toElement(row);
  }

  app.post('/api/scripts/:scriptId/elements', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(ElementParams.pick({ scriptId: true }), req.params);
    const element = parse(ElementCreateBody, req.body);
    await scriptFor(db, user.id, scriptId, 'edit');
    const { entry } = await commitAndPublish(ctx, user, {
      scriptId,
      op: { kind: 'create', element },
      opId: idempotencyKey(req),
    });
    const created = await elementAfter(scriptId, element.id, entry.patch.upserts);
    return reply.status(201).send({ element: created, version: entry.version });
  });

  app.patch('/api/scripts/:scriptId/elements/:elementId', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId, elementId } = parse(ElementParams, req.params);
    const fields = parse(ElementPatch, req.body);
    await scriptFor(db, user.id, scriptId, 'edit');
    const { entry } = await commitAndPublish(ctx, user, {
      scriptId,
      op: { kind: 'update', id: elementId, fields },
      opId: idempotencyKey(req),
    });
    return { element: await elementAfter(scriptId, elementId, entry.patch.upserts), version: entry.version };
  });

  app.delete('/api/scripts/:scriptId/elements/:elementId', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId, elementId } = parse(ElementParams, req.params);
    await scriptFor(db, user.id, scriptId, 'edit');
    const { entry } = await commitAndPublish(ctx, user, {
      scriptId,
      op: { kind: 'delete', id: elementId },
      opId: idempotencyKey(req),
    });
    return { version: entry.version };
  });
}
