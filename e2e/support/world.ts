/**
 * A show for the browser tests, made through the REST API: an SM account, a shared script,
 * and two crew links for different departments (LX and SND).
 */
import { z } from 'zod';
import { Department, Script, Show } from '@cuebe/protocol';
import { Api } from './api';

const Created = z.object({ show: Show, departments: z.array(Department) });
const ScriptCreated = z.object({ script: Script });
const CrewCreated = z.object({ crew: z.object({ id: z.string(), link: z.string() }) });

export interface World {
  api: Api;
  show: z.infer<typeof Show>;
  lx: z.infer<typeof Department>;
  snd: z.infer<typeof Department>;
  scriptId: string;
  lxCrew: { id: string; link: string };
  sndCrew: { id: string; link: string };
}

export async function makeWorld(base: string): Promise<World> {
  const api = new Api(base);
  await api.call('POST', '/api/auth/register', {
    email: 'jane@example.com',
    password: 'correct horse battery',
    displayName: 'Jane',
  });
  const { show, departments } = Created.parse(
    await api.call('POST', '/api/shows', { name: 'The Tempest', venue: 'Main House' }),
  );
  const lx = departments.find((d) => d.initials === 'LX')!;
  const snd = departments.find((d) => d.initials === 'SND')!;
  const { script } = ScriptCreated.parse(
    await api.call('POST', `/api/shows/${show.id}/scripts`, { name: 'Prompt copy', shared: true }),
  );
  const lxCrew = CrewCreated.parse(
    await api.call('POST', `/api/shows/${show.id}/crew`, { name: 'Sam', role: 'LX op', departmentIds: [lx.id] }),
  ).crew;
  const sndCrew = CrewCreated.parse(
    await api.call('POST', `/api/shows/${show.id}/crew`, { name: 'Ana', role: 'Sound op', departmentIds: [snd.id] }),
  ).crew;
  return { api, show, lx, snd, scriptId: script.id, lxCrew, sndCrew };
}
