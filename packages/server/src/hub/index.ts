import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context';

/** The socket hub: /ws/script/:scriptId. */
export async function registerHub(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
