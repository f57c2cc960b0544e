/**
 * The last script a crew device saw, kept in localStorage, so reopening the page with no
 * connection to the server still shows it (marked as not live). Parsed on the way back in: an
 * old or damaged record is ignored, never trusted.
 */
import { z } from 'zod';
import { Department, Element } from '@cuebe/protocol';

const Cached = z.object({
  savedAt: z.string(),
  version: z.number().nullable(),
  script: z.object({ id: z.string(), name: z.string(), plannedStart: z.string().nullable() }),
  elements: z.array(Element),
  departments: z.array(Department),
});
export type CachedScript = z.infer<typeof Cached>;

const key = (scriptId: string) => `cuebe.crewScript.${scriptId}`;

export function saveCrewScript(scriptId: string, data: Omit<CachedScript, 'savedAt'>): void {
  try {
    localStorage.setItem(key(scriptId), JSON.stringify({ ...data, savedAt: new Date().toISOString() }));
  } catch {
    // Storage full or unavailable: the live page still works, only offline reopening will not.
  }
}

export function loadCrewScript(scriptId: string): CachedScript | null {
  try {
    const raw = localStorage.getItem(key(scriptId));
    if (!raw) return null;
    const parsed = Cached.safeParse(JSON.parse(raw));
    return parsed.success && parsed.data.script.id === scriptId ? parsed.data : null;
  } catch {
    return null;
  }
}

export function forgetCrewScripts(): void {
  try {
    for (const k of Object.keys(localStorage)) if (k.startsWith('cuebe.crewScript.')) localStorage.removeItem(k);
  } catch {
    // nothing stored
  }
}
