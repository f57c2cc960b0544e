/**
 * Named versions of a script: save (a BACKUP snapshot), list, compare two (or one with the live
 * script), restore one (a new op on the live script, so it syncs and can be undone).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ScriptInfoFields } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { idempotencyKey } from '../http/idempotency';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { editableScript, readableScript } from '../auth/script-access';
import { commitFresh } from '../scripts/commit-fresh';
import { smActor } from '../scripts/publish';
import { restoreOp } from '../scripts/restore';
import { toAppError } from '../scripts/store';
import { compareElements, listVersions, restoreTarget, saveVersion, versionState } from '../scripts/versions';
import { readScript } from './scripts';

export const VersionCreateBody = z.strictObject({ name: ScriptInfoFields.name });
/** Each side: the id of a saved version of this script, or the script's own id (as it is now). */
export const CompareQuery = z.strictObject({
  from: z.uuid('from must be a version id'),
  to: z.uuid('to must be a version id').optional(),
});
const VersionParams = z.object({
  scriptId: z.uuid('scriptId must be a UUID'),
  versionId: z.uuid('versionId must be a UUID'),
});

export async function versionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  app.post('/api/scripts/:scriptId/versions', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    const { name } = parse(VersionCreateBody, req.body);
    const key = idempotencyKey(req);
    await editableScript(db, user.id, scriptId);
    const version = await saveVersion(db, scriptId, name, smActor(user), key ?? randomUUID());
    return reply.status(201).send({ version });
  });

  app.get('/api/scripts/:scriptId/versions', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    await readableScript(db, user.id, scriptId);
    return { versions: await listVersions(db, scriptId) };
  });

  app.get('/api/scripts/:scriptId/compare', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    const query = parse(CompareQuery, req.query);
    await readableScript(db, user.id, scriptId);
    const live = await readScript(ctx, scriptId);
    const side = async (id: string, field: 'from' | 'to') => {
      if (id === scriptId) return { id, label: 'now', version: live.script.version, elements: live.elements };
      const v = await versionState(db, scriptId, id).catch((err: unknown) => {
        throw Object.assign(toAppError(err), { field });
      });
      return { id, label: v.script.name, version: v.sourceVersion, elements: v.elements };
    };
    const from = await side(query.from, 'from');
    const to = await side(query.to ?? scriptId, 'to');
    return {
      from: { id: from.id, label: from.label, version: from.version },
      to: { id: to.id, label: to.label, version: to.version },
      ...compareElements(from.elements, to.elements),
      departments: live.departments,
    };
  });

  app.post('/api/scripts/:scriptId/versions/:versionId/restore', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId, versionId } = parse(VersionParams, req.params);
    await editableScript(db, user.id, scriptId);
    const key = idempotencyKey(req);
    const saved = await versionState(db, scriptId, versionId);
    return commitFresh(ctx, user, scriptId, { key, kind: 'restoreVersion' }, (current) => {
      const { name, status, notes, plannedStart, plannedEnd } = current.script;
      const info = { name, status, notes, plannedStart, plannedEnd };
      const state = { info, elements: new Map(current.elements.map((e) => [e.id, e])) };
      const op = restoreOp(state, restoreTarget(state, saved.elements));
      return { op, answer: (version: number) => ({ version, restored: versionId }) };
    });
  });
}
