/** Printed books as PDF: the calling script, or one department's cue sheet, on A4 or US Letter. */
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../context';
import { shows } from '../db/schema';
import { badRequest, notFound } from '../errors';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { readableScript } from '../auth/script-access';
import { buildBook } from '../paperwork/book';
import { renderBookPdf } from '../paperwork/book-pdf';
import { fileName } from './csv';
import { readScript } from './scripts';

const validZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const BookQuery = z.strictObject({
  paper: z.enum(['a4', 'letter']).default('a4'),
  department: z.uuid('department must be a department id').optional(),
  /** The reader's time zone for the printed date (IANA name); default UTC. */
  tz: z.string().max(64).refine(validZone, 'not a time zone').optional(),
});

export async function bookRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  app.get('/api/scripts/:scriptId/book.pdf', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    const query = parse(BookQuery, req.query);
    const row = await readableScript(db, user.id, scriptId);
    const [show] = await db.select().from(shows).where(eq(shows.id, row.showId));
    if (!show) throw notFound('show');
    const data = await readScript(ctx, scriptId);
    const dept = query.department ? data.departments.find((d) => d.id === query.department) : undefined;
    if (query.department && !dept) throw badRequest("department: not one of this show's departments", 'department');
    const book = buildBook({
      show: { name: show.name, venue: show.venue },
      script: { name: data.script.name, version: data.script.version },
      elements: data.elements,
      departments: data.departments,
      departmentId: dept?.id ?? null,
      ...(query.tz ? { timeZone: query.tz } : {}),
    });
    const doc = renderBookPdf(book, query.paper);
    const name = fileName(`${data.script.name}${dept ? ` ${dept.initials}` : ''}`, 'pdf');
    return reply
      .type('application/pdf')
      .header('Content-Disposition', `inline; filename="${name}"`)
      .header('Cache-Control', 'no-store')
      .send(doc);
  });
}
