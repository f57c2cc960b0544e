import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context';
import { authRoutes } from './auth';
import { crewRoutes } from './crew';
import { crewAccessRoutes } from './crew-access';
import { crewEventRoutes } from './crew-events';
import { bookRoutes } from './books';
import { csvRoutes } from './csv';
import { departmentRoutes } from './departments';
import { elementRoutes } from './elements';
import { historyRoutes } from './history';
import { performanceRoutes } from './performances';
import { preferenceRoutes } from './preferences';
import { scriptRoutes } from './scripts';
import { showRoutes } from './shows';
import { teamRoutes } from './team';
import { versionRoutes } from './versions';

/** Every REST route module registers here. docs/API.md lists them all. */
export async function registerRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  await authRoutes(app, ctx);
  await preferenceRoutes(app, ctx);
  await showRoutes(app, ctx);
  await teamRoutes(app, ctx);
  await departmentRoutes(app, ctx);
  await scriptRoutes(app, ctx);
  await elementRoutes(app, ctx);
  await historyRoutes(app, ctx);
  await csvRoutes(app, ctx);
  await bookRoutes(app, ctx);
  await versionRoutes(app, ctx);
  await performanceRoutes(app, ctx);
  await crewRoutes(app, ctx);
  await crewAccessRoutes(app, ctx);
  await crewEventRoutes(app, ctx);
}
