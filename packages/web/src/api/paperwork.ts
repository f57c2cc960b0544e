/** CSV import/export, saved versions and account preferences (REST, session cookie). */
import { z } from 'zod';
import { AccountPreferences, Element, type NotifyPrefs } from '@cuebe/protocol';
import { ApiError, request } from './http';
import { fingerprint, keyed } from './keys';
import { VersionRes } from './schemas';

const Problem = z.object({ line: z.number(), column: z.string().nullable(), message: z.string() });
export type Problem = z.infer<typeof Problem>;
export const ImportPreview = z.object({
  ok: z.boolean(),
  mode: z.enum(['replace', 'append']),
  rows: z.number(),
  counts: z.object({ cues: z.number(), notes: z.number(), groups: z.number() }),
  replaces: z.number(),
  errors: z.array(Problem),
  warnings: z.array(Problem),
  departments: z.object({
    matched: z.array(z.object({ value: z.string(), initials: z.string(), name: z.string() })),
    created: z.array(z.object({ value: z.string(), initials: z.string(), name: z.string() })),
  }),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

export const VersionInfo = z.object({
  id: z.string(),
  name: z.string(),
  sourceVersion: z.number(),
  elementCount: z.number(),
  createdBy: z.object({ name: z.string() }),
  createdAt: z.string(),
});
export type VersionInfo = z.infer<typeof VersionInfo>;
const FieldChange = z.object({ field: z.string(), from: z.unknown(), to: z.unknown() });
export const Comparison = z.object({
  from: z.object({ id: z.string(), label: z.string(), version: z.number() }),
  to: z.object({ id: z.string(), label: z.string(), version: z.number() }),
  added: z.array(Element),
  removed: z.array(Element),
  changed: z.array(z.object({ id: z.string(), name: z.string(), fields: z.array(FieldChange), before: Element })),
  unchanged: z.number(),
});
export type Comparison = z.infer<typeof Comparison>;

/** POST a CSV body (fetch directly: the JSON helper only sends JSON). */
async function postCsv<S extends z.ZodType>(path: string, csv: string, schema: S, key?: string): Promise<z.infer<S>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers: {
        'content-type': 'text/csv',
        accept: 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: csv,
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Cannot reach the server. Check the connection and try again.');
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).safeParse(json);
    throw new ApiError(
      res.status,
      e.success ? e.data.error.code : `HTTP_${res.status}`,
      e.success ? e.data.error.message : `HTTP ${res.status}`,
    );
  }
  return schema.parse(json);
}

export const paperwork = {
  exportHref: (scriptId: string) => `/api/scripts/${scriptId}/export.csv`,
  pdfHref: (scriptId: string, paper: 'a4' | 'letter', departmentId?: string) =>
    `/api/scripts/${scriptId}/book.pdf?paper=${paper}${departmentId ? `&department=${departmentId}` : ''}`,
  printHref: (scriptId: string, paper: 'a4' | 'letter', departmentId?: string) =>
    `/scripts/${scriptId}/print?paper=${paper}${departmentId ? `&department=${departmentId}` : ''}`,
  preview: (scriptId: string, csv: string, mode: 'replace' | 'append') =>
    postCsv(`/api/scripts/${scriptId}/import/preview?mode=${mode}`, csv, ImportPreview),
  importCsv: (scriptId: string, csv: string, mode: 'replace' | 'append') =>
    keyed(`import ${scriptId} ${mode} ${fingerprint(csv)}`, (key) =>
      postCsv(`/api/scripts/${scriptId}/import?mode=${mode}`, csv, ImportPreview.extend({ version: z.number() }), key),
    ),
  versions: (scriptId: string) =>
    request(`/api/scripts/${scriptId}/versions`, z.object({ versions: z.array(VersionInfo) })),
  saveVersion: (scriptId: string, name: string) =>
    keyed(`save version ${scriptId} ${name}`, (key) =>
      request(`/api/scripts/${scriptId}/versions`, z.object({ version: VersionInfo }), {
        method: 'POST',
        body: { name },
        key,
      }),
    ),
  compare: (scriptId: string, from: string, to?: string) =>
    request(`/api/scripts/${scriptId}/compare?from=${from}${to ? `&to=${to}` : ''}`, Comparison),
  restoreVersion: (scriptId: string, versionId: string) =>
    keyed(`restore ${scriptId} ${versionId}`, (key) =>
      request(`/api/scripts/${scriptId}/versions/${versionId}/restore`, VersionRes, { method: 'POST', key }),
    ),
};

export const preferences = {
  get: () => request('/api/auth/me/preferences', z.object({ preferences: AccountPreferences })),
  setNotify: (notify: Partial<NotifyPrefs>) =>
    request('/api/auth/me/preferences', z.object({ preferences: AccountPreferences }), {
      method: 'PATCH',
      body: { notify },
    }),
};
