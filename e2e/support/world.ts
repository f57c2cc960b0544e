/**
 * A show for the browser tests, made through the REST API: an SM account, a shared script,
 * and two crew links for different departments (LX and SND).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Department, Script, Show, type Element } from '@cuebe/protocol';
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

/**
 * `count` LX cues 10 s apart (LX 1 at 0:00:10 with notes and a location), created in order
 * through the REST API; returns them.
 */
export async function addLxCues(world: World, count: number): Promise<Element[]> {
  const cues: Element[] = [];
  for (let i = 1; i <= count; i++) {
    const el: Element = {
      id: randomUUID(),
      type: 'CUE',
      name: `LX ${i}`,
      notes: i === 1 ? 'Slow fade to blue' : '',
      departmentId: world.lx.id,
      priority: 'NORMAL',
      offsetMs: i * 10_000,
      durationMs: null,
      location: i === 1 ? 'Board' : '',
      colour: null,
      parentId: null,
      orderKey: `m${String(i).padStart(13, '0')}`,
    };
    cues.push(el);
    await world.api.call('POST', `/api/scripts/${world.scriptId}/elements`, el);
  }
  return cues;
}
