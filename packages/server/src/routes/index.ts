import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context';

/** Every REST route module registers here. */
export async function registerRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
