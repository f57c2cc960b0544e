/**
 * Messages between the bench and its child processes (server children and load workers), parsed
 * at the boundary like every other input.
 */
import { z } from 'zod';

export const MemoryUsage = z.object({
  rss: z.number(),
  heapTotal: z.number(),
  heapUsed: z.number(),
  external: z.number(),
  arrayBuffers: z.number(),
});
export type MemoryUsage = z.infer<typeof MemoryUsage>;

/** Bench → server child (only when the child runs with the bench hooks). */
export const HookRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bench:gc'), id: z.number() }),
  /** CPU profile of the measured window only: start, then stop and write it to `file`. */
  z.object({ type: z.literal('bench:profile-start'), id: z.number() }),
  z.object({ type: z.literal('bench:profile-stop'), id: z.number(), file: z.string() }),
]);
export type HookRequest = z.infer<typeof HookRequest>;
/** Server child → bench. */
export const HookReply = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bench:memory'), id: z.number(), memory: MemoryUsage }),
  z.object({ type: z.literal('bench:listening'), url: z.string() }),
  z.object({ type: z.literal('bench:done'), id: z.number(), error: z.string().optional() }),
]);
export type HookReply = z.infer<typeof HookReply>;

const HistogramData = z.object({
  buckets: z.array(z.tuple([z.number(), z.number()])),
  count: z.number(),
  maxUs: z.number(),
  sumUs: z.number(),
});

export const CrewSocketSpec = z.object({
  scriptId: z.string(),
  token: z.string(),
  deviceId: z.string(),
  /** The node this socket connects to (several nodes: --cluster); else the command's wsBase. */
  wsBase: z.string().optional(),
});
export type CrewSocketSpec = z.infer<typeof CrewSocketSpec>;

/** Bench → load worker. */
export const WorkerCommand = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('connect'),
    wsBase: z.string(),
    protocol: z.number(),
    sockets: z.array(CrewSocketSpec),
    concurrency: z.number().int().min(1),
  }),
  /** Final script versions (known once every op is acked): lost = what never arrived up to them. */
  z.object({ type: z.literal('report'), id: z.number(), finalVersions: z.record(z.string(), z.number()) }),
  z.object({ type: z.literal('close') }),
]);
export type WorkerCommand = z.infer<typeof WorkerCommand>;

export const WorkerReport = z.object({
  /** Deliveries of ops sent in the measured window. */
  measured: z.number(),
  /** Every change received, including warm-up, duplicates excluded. */
  received: z.number(),
  expected: z.number(),
  lost: z.number(),
  duplicates: z.number(),
  outOfOrder: z.number(),
  unexpectedCloses: z.number(),
  closeReasons: z.record(z.string(), z.number()),
  errors: z.array(z.string()),
  bytesReceived: z.number(),
  framesReceived: z.number(),
  latency: HistogramData,
});
export type WorkerReport = z.infer<typeof WorkerReport>;

/** Load worker → bench. */
export const WorkerEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('connected'),
    ok: z.number(),
    failed: z.number(),
    errors: z.array(z.string()),
    /** Version each script was at when its sockets joined (from welcome). */
    startVersions: z.record(z.string(), z.number()),
  }),
  z.object({ type: z.literal('report'), id: z.number(), report: WorkerReport }),
]);
export type WorkerEvent = z.infer<typeof WorkerEvent>;
