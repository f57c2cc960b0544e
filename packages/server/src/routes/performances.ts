/**
 * Performances and the show report (issue 8): the runs of a script, each one's report as JSON or
 * CSV, the SM's after-show notes, and the raw show log. Readable by the owner and the show's
 * team; notes written by those who may call the show.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PerformanceNotesBody, showReport, timeOrder, type Performance, type ShowReport } from '@cuebe/protocol';
import type { AppContext } from '../context';
import { IdParam, parse } from '../http/parse';
import { requireUser } from '../auth/guard';
import { editableScript, readableScript } from '../auth/script-access';
import { reportToCsv } from '../paperwork/report-csv';
import { fileName } from './csv';
import { readScript } from './scripts';

const ReportQuery = z.strictObject({
  /** A GO later than this many ms (show time) counts as late. */
  lateMs: z.coerce.number().int().min(0).max(600_000).optional(),
});
const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
});

export async function performanceRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const db = ctx.database.db;

  async function report(performance: Performance, lateMs?: number): Promise<ShowReport> {
    const [events, live] = await Promise.all([
      ctx.playback.performanceEvents(performance.id),
      readScript(ctx, performance.scriptId),
    ]);
    const cues = timeOrder(live.elements)
      .filter((e) => e.type === 'CUE')
      .map((e) => ({ id: e.id, name: e.name, offsetMs: e.offsetMs }));
    return showReport(performance, events, cues, lateMs);
  }

  /** Every run of the script, newest first, with the figures to set side by side. */
  app.get('/api/scripts/:scriptId/performances', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    await readableScript(db, user.id, scriptId);
    const list = await ctx.playback.performances(scriptId);
    const summaries = await Promise.all(
      list.map(async (p) => {
        const r = await report(p);
        return {
          ...p,
          totalMs: r.totalMs,
          heldMs: r.heldMs,
          parts: r.parts,
          cuesCalled: r.cues.filter((c) => c.actualMs !== null).length,
          lateGos: r.lateGos,
          earlyGos: r.earlyGos,
          unacknowledged: r.standbys.reduce((n, s) => n + s.unacknowledged.length, 0),
          holds: r.holds.length,
        };
      }),
    );
    return { performances: summaries };
  });

  app.get('/api/performances/:performanceId/report', async (req) => {
    const user = await requireUser(ctx, req);
    const { performanceId } = parse(IdParam('performanceId'), req.params);
    const { lateMs } = parse(ReportQuery, req.query);
    const performance = await ctx.playback.performance(performanceId);
    await readableScript(db, user.id, performance.scriptId);
    return { report: await report(performance, lateMs) };
  });

  app.get('/api/performances/:performanceId/report.csv', async (req, reply) => {
    const user = await requireUser(ctx, req);
    const { performanceId } = parse(IdParam('performanceId'), req.params);
    const { lateMs } = parse(ReportQuery, req.query);
    const performance = await ctx.playback.performance(performanceId);
    await readableScript(db, user.id, performance.scriptId);
    const r = await report(performance, lateMs);
    return reply
      .type('text/csv; charset=utf-8')
      .header(
        'Content-Disposition',
        `attachment; filename="${fileName(`performance ${performance.number} report`, 'csv')}"`,
      )
      .header('Cache-Control', 'no-store')
      .send(reportToCsv(r));
  });

  app.patch('/api/performances/:performanceId', async (req) => {
    const user = await requireUser(ctx, req);
    const { performanceId } = parse(IdParam('performanceId'), req.params);
    const { notes } = parse(PerformanceNotesBody, req.body);
    const performance = await ctx.playback.performance(performanceId);
    await editableScript(db, user.id, performance.scriptId);
    return { performance: await ctx.playback.setPerformanceNotes(performanceId, notes) };
  });

  /** The raw show log: every call and state change with server time and who. */
  app.get('/api/scripts/:scriptId/events', async (req) => {
    const user = await requireUser(ctx, req);
    const { scriptId } = parse(IdParam('scriptId'), req.params);
    const { after, limit } = parse(EventsQuery, req.query);
    await readableScript(db, user.id, scriptId);
    return { events: await ctx.playback.events(scriptId, { afterId: after, limit }) };
  });
}
