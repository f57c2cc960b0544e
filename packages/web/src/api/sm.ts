/** The stage manager's REST calls (session cookie). One function per endpoint of the contract. */
import { z } from 'zod';
import type {
  CrewCreateBody,
  DepartmentCreateBody,
  DepartmentUpdateBody,
  ScriptCreateBody,
  ScriptUpdateBody,
  ShowCreateBody,
  ShowUpdateBody,
  CrewUpdateBody,
} from '@cuebe/protocol';
import { NoContent, request } from './http';
import { keyed } from './keys';
import {
  CrewRes,
  DepartmentRes,
  HistoryRes,
  ScriptCreatedRes,
  ScriptDetailRes,
  ScriptRes,
  ShowCreatedRes,
  ShowDetailRes,
  ShowRes,
  ShowsRes,
  UserRes,
  VersionRes,
} from './schemas';

type In<S extends z.ZodType> = z.input<S>;

export const auth = {
  me: () => request('/api/auth/me', UserRes),
  login: (email: string, password: string) =>
    request('/api/auth/login', UserRes, { method: 'POST', body: { email, password } }),
  register: (email: string, password: string, displayName: string) =>
    request('/api/auth/register', UserRes, { method: 'POST', body: { email, password, displayName } }),
  logout: () => request('/api/auth/logout', NoContent, { method: 'POST' }),
  logoutEverywhere: () =>
    request('/api/auth/logout-everywhere', z.object({ sessionsEnded: z.number() }), { method: 'POST' }),
};

export const shows = {
  list: () => request('/api/shows', ShowsRes),
  create: (body: In<typeof ShowCreateBody>) => request('/api/shows', ShowCreatedRes, { method: 'POST', body }),
  get: (showId: string) => request(`/api/shows/${showId}`, ShowDetailRes),
  update: (showId: string, body: In<typeof ShowUpdateBody>) =>
    request(`/api/shows/${showId}`, ShowRes, { method: 'PATCH', body }),
  remove: (showId: string) => request(`/api/shows/${showId}`, NoContent, { method: 'DELETE' }),
};

export const departments = {
  create: (showId: string, body: In<typeof DepartmentCreateBody>) =>
    request(`/api/shows/${showId}/departments`, DepartmentRes, { method: 'POST', body }),
  update: (id: string, body: In<typeof DepartmentUpdateBody>) =>
    request(`/api/departments/${id}`, DepartmentRes, { method: 'PATCH', body }),
  remove: (id: string) => request(`/api/departments/${id}`, NoContent, { method: 'DELETE' }),
};

export const scripts = {
  create: (showId: string, body: In<typeof ScriptCreateBody>) =>
    request(`/api/shows/${showId}/scripts`, ScriptCreatedRes, { method: 'POST', body }),
  get: (scriptId: string) => request(`/api/scripts/${scriptId}`, ScriptDetailRes),
  update: (scriptId: string, body: In<typeof ScriptUpdateBody>) =>
    keyed(`update script ${scriptId} ${JSON.stringify(body)}`, (key) =>
      request(`/api/scripts/${scriptId}`, ScriptRes, { method: 'PATCH', body, key }),
    ),
  remove: (scriptId: string) => request(`/api/scripts/${scriptId}`, NoContent, { method: 'DELETE' }),
  duplicate: (scriptId: string, name?: string) =>
    request(`/api/scripts/${scriptId}/duplicate`, ScriptRes, { method: 'POST', body: name ? { name } : {} }),
  history: (scriptId: string, before?: number, limit = 50) =>
    request(
      `/api/scripts/${scriptId}/history?limit=${limit}${before !== undefined ? `&before=${before}` : ''}`,
      HistoryRes,
    ),
  restore: (scriptId: string, version: number) =>
    keyed(`restore ${scriptId} to ${version}`, (key) =>
      request(`/api/scripts/${scriptId}/restore`, VersionRes, { method: 'POST', body: { version }, key }),
    ),
};

export const crew = {
  create: (showId: string, body: In<typeof CrewCreateBody>) =>
    request(`/api/shows/${showId}/crew`, CrewRes, { method: 'POST', body }),
  update: (crewId: string, body: In<typeof CrewUpdateBody>) =>
    request(`/api/crew/${crewId}`, CrewRes, { method: 'PATCH', body }),
  rotate: (crewId: string) => request(`/api/crew/${crewId}/rotate`, CrewRes, { method: 'POST' }),
  revoke: (crewId: string) => request(`/api/crew/${crewId}/revoke`, CrewRes, { method: 'POST' }),
  remove: (crewId: string) => request(`/api/crew/${crewId}`, NoContent, { method: 'DELETE' }),
};
