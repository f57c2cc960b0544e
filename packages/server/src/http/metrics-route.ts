/**
 * GET /metrics (Prometheus text format). Counts, never contents: no ids, names or tokens are
 * labels. Keep it off the public internet at the proxy (docs/DEPLOY.md).
 */
import type { FastifyInstance } from 'fastify';
import type { Fanout } from '../hub/fanout';
import { metricsText, opsCommitted, redisConnected } from '../metrics';

export function registerMetrics(app: FastifyInstance, fanout: Fanout): void {
  // Every op this node commits is published once with this node as origin (store → hub →
  // fan-out), so counting them here needs no hook in the commit path.
  const stop = fanout.subscribe((msg) => {
    if (msg.type === 'entry' && msg.origin === fanout.nodeId) opsCommitted.inc();
  });
  app.addHook('onClose', async () => stop());

  app.get('/metrics', async (_req, reply) => {
    redisConnected.set(fanout.connected === false ? 0 : 1);
    const { contentType, body } = await metricsText();
    return reply.type(contentType).send(body);
  });
}
