/**
 * Performances and the show report (REST, session cookie; docs in notes on issue 8). The report
 * is a plain interface in the protocol, so its response schema is written here and checked
 * against that interface by the compiler: a field the server changes fails the build, not the page.
 */
import { z } from 'zod';
import { Performance, type ShowReport } from '@cuebe/protocol';
import { request } from './http';

const Ms = z.number();
const At = z.number().nullable();

export const ReportPart = z.object({
  kind: z.enum(['act', 'interval']),
  label: z.string(),
  startAtServerMs: Ms,
  endAtServerMs: At,
  durationMs: At,
});
export type ReportPart = z.infer<typeof ReportPart>;

/** One run with the figures the list sets side by side. */
export const PerformanceSummary = Performance.extend({
  totalMs: At,
  heldMs: Ms,
  parts: z.array(ReportPart),
  cuesCalled: z.number().int(),
  lateGos: z.number().int(),
  earlyGos: z.number().int(),
  unacknowledged: z.number().int(),
  holds: z.number().int(),
});
export type PerformanceSummary = z.infer<typeof PerformanceSummary>;

const Answer = z.object({ crewId: z.string(), name: z.string() });

export const ShowReportSchema: z.ZodType<ShowReport> = z.object({
  performance: Performance,
  houseOpenAtServerMs: At,
  startAtServerMs: At,
  endAtServerMs: At,
  totalMs: At,
  heldMs: Ms,
  parts: z.array(ReportPart),
  lateThresholdMs: Ms,
  cues: z.array(
    z.object({
      cueId: z.string(),
      name: z.string(),
      plannedMs: Ms,
      actualMs: At,
      goAtServerMs: At,
      deltaMs: At,
      late: z.boolean(),
      early: z.boolean(),
      by: z.string().nullable(),
    }),
  ),
  lateGos: z.number().int(),
  earlyGos: z.number().int(),
  holds: z.array(
    z.object({
      kind: z.enum(['pause', 'safety']),
      reason: z.string().nullable(),
      atServerMs: Ms,
      showMs: At,
      durationMs: At,
      by: z.string(),
    }),
  ),
  standbys: z.array(
    z.object({
      cueId: z.string(),
      name: z.string(),
      standbyAtServerMs: At,
      endedBy: z.enum(['go', 'cleared', 'end']),
      endedAtServerMs: Ms,
      acked: z.array(Answer.extend({ afterMs: At })),
      unacknowledged: z.array(Answer),
    }),
  ),
  notes: z.array(z.object({ atServerMs: Ms, showMs: At, text: z.string(), by: z.string() })),
  nudges: z.array(z.object({ atServerMs: Ms, crewId: z.string(), by: z.string() })),
  events: z.number().int(),
});

export const performances = {
  list: (scriptId: string) =>
    request(`/api/scripts/${scriptId}/performances`, z.object({ performances: z.array(PerformanceSummary) })),
  report: (performanceId: string) =>
    request(`/api/performances/${performanceId}/report`, z.object({ report: ShowReportSchema })),
  csvHref: (performanceId: string) => `/api/performances/${performanceId}/report.csv`,
  setNotes: (performanceId: string, notes: string) =>
    request(`/api/performances/${performanceId}`, z.object({ performance: Performance }), {
      method: 'PATCH',
      body: { notes },
    }),
};
