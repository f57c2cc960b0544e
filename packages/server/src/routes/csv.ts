/**
 * CSV in and out. Export: the script in the spreadsheet columns stage managers use. Import: a
 * preview that reports every bad row and writes nothing, then one atomic batch op (with any new
 * departments created in the same transaction) that syncs like every other change.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context';
import { departments } from '../db/schema';
import { AppError, badRequest } from '../errors';
import { idempotencyKey } from '../http/idempotency';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { editableScript, readableScript } from '../auth/script-access';
import { scriptToCsv } from '../paperwork/csv-export';
import { importOps, planImport, type ImportMode, type ImportPlan } from '../paperwork/csv-import';
import { commitFresh } from '../scripts/commit-fresh';
import { readScript } from './scripts';

/** A spreadsheet of a couple of thousand rows fits easily; the rest of the API keeps 256 KiB. */
export const CSV_BODY_LIMIT = 2 * 1024 * 1024;

const ImportQuery = z.strictObject({ mode: z.enum(['replace', 'append']).default('replace') });

/** A file name from a script name: letters, digits, spaces, dashes; never empty. */
export function fileName(name: string, ext: string): string {
  const base =
    name
      .replace(/[^A-Za-z0-9 _-]+/g, '')
      .trim()
      .replace(/\s+/g, '-')
      .slice(0, 80) || 'script';
  return `${base}.${ext}`;
}

function previewOf(plan: ImportPlan, mode: ImportMode, replaced: number) {
  return {
    ok: plan.errors.length === 0,
    mode,
    rows: plan.rows,
    counts: plan.counts,
    /** Elements the import removes (replace mode: every element there now). */
    replaces: mode === 'replace' ? replaced : 0,
    errors: plan.errors,
    warnings: plan.warnings,
    departments: {
      matched: plan.departments.matched,
      created: plan.departments.created.map(({ value, name, initials, colour }) => ({ value, name, initials, colour })),
    },
  };
}

function csvBody(body: unknown): string {
  if (typeof body !== 'string') throw badRequest('send the CSV as the body, with Content-Type text/csv', 'csv');
  return body;
}

export async function csvRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  app.get('/api/scripts/:scriptId/export.csv', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    await readableScript(db, user.id, scriptId);
    const { script, elements, departments: depts } = await readScript(ctx, scriptId);
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${fileName(script.name, 'csv')}"`)
      .header('Cache-Control', 'no-store')
      .send(scriptToCsv(elements, depts));
  });

  // Own scope: the CSV body parser and the larger body limit apply to these two routes only.
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      ['text/csv', 'text/plain'],
      { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT },
      (_r, b, done) => done(null, b),
    );

    scope.post('/api/scripts/:scriptId/import/preview', { bodyLimit: CSV_BODY_LIMIT }, async (req) => {
      const user = await requireUser(ctx, req);
      const { scriptId } = parse(IdParam('scriptId'), req.params);
      const { mode } = parse(ImportQuery, req.query);
      await editableScript(db, user.id, scriptId);
      const text = csvBody(req.body);
      const current = await readScript(ctx, scriptId);
      const plan = planImport(text, current, mode);
      return previewOf(plan, mode, current.elements.length);
    });

    scope.post('/api/scripts/:scriptId/import', { bodyLimit: CSV_BODY_LIMIT }, async (req, reply) => {
      const user = await requireUser(ctx, req);
      const { scriptId } = parse(IdParam('scriptId'), req.params);
      const { mode } = parse(ImportQuery, req.query);
      const row = await editableScript(db, user.id, scriptId);
      const text = csvBody(req.body);
      const key = idempotencyKey(req);
      let refused: ImportPlan | null = null;
      const answer = await commitFresh(ctx, user, scriptId, { key, kind: 'import' }, (current) => {
        const plan = planImport(text, current, mode);
        if (plan.errors.length > 0) {
          refused = plan;
          return { op: null, answer: () => null };
        }
        const ops = importOps(plan, current.elements, mode);
        const summary = previewOf(plan, mode, current.elements.length);
        return {
          op: ops.length > 0 ? { kind: 'batch', ops } : null,
          prepare: async (tx) => {
            for (const d of plan.departments.created) {
              // Checked again inside the transaction: a department made meanwhile fails the import.
              const [clash] = await tx
                .select({ id: departments.id })
                .from(departments)
                .where(
                  and(
                    eq(departments.showId, row.showId),
                    sql`lower(${departments.initials}) = ${d.initials.toLowerCase()}`,
                  ),
                );
              if (clash) throw new AppError(409, 'CONFLICT', `a department ${d.initials} was just created; try again`);
              await tx
                .insert(departments)
                .values({ id: d.id, showId: row.showId, name: d.name, initials: d.initials, colour: d.colour });
            }
          },
          answer: (version: number) => ({ ...summary, version }),
        };
      });
      if (refused) {
        const plan: ImportPlan = refused;
        return reply.status(400).send({
          error: {
            code: 'BAD_MESSAGE',
            message: `${plan.errors.length} problem${plan.errors.length === 1 ? '' : 's'} in the CSV; nothing was imported (first: line ${plan.errors[0]!.line}: ${plan.errors[0]!.message})`,
            field: 'csv',
          },
          errors: plan.errors,
        });
      }
      return answer;
    });
  });
}
