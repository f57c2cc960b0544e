/** Response shapes of the REST contract, built from the protocol's domain schemas (never redefined). */
import { z } from 'zod';
import { Actor, CrewAssignment, Department, Element, Script, Show, ShowListed, ShowRole, User } from '@cuebe/protocol';

export const CrewStatus = z.enum(['active', 'expired', 'revoked']);
export const CrewWithLink = CrewAssignment.extend({ link: z.string().nullable(), status: CrewStatus });
export type CrewWithLink = z.infer<typeof CrewWithLink>;

export const UserRes = z.object({ user: User });
export const ShowsRes = z.object({ shows: z.array(ShowListed) });
export const ShowCreatedRes = z.object({ show: Show, departments: z.array(Department) });
export const ShowRes = z.object({ show: Show });
export const ShowDetailRes = z.object({
  show: Show,
  /** What the signed-in account is on this show (docs/SPEC.md P11). */
  role: ShowRole,
  departments: z.array(Department),
  scripts: z.array(Script),
  crew: z.array(CrewWithLink),
});
export type ShowDetail = z.infer<typeof ShowDetailRes>;
export const DepartmentRes = z.object({ department: Department });
export const ScriptRes = z.object({ script: Script });
export const ScriptCreatedRes = z.object({ script: Script, elements: z.array(Element) });
export const ScriptDetailRes = z.object({
  script: Script,
  elements: z.array(Element),
  departments: z.array(Department),
});
export const CrewRes = z.object({ crew: CrewWithLink });
export const VersionRes = z.object({ version: z.number().int() });

export const HistoryEntry = z.object({
  version: z.number().int(),
  actor: Actor,
  at: z.string(),
  kind: z.string(),
  summary: z.string(),
});
export type HistoryEntry = z.infer<typeof HistoryEntry>;
export const HistoryRes = z.object({ entries: z.array(HistoryEntry) });

export const CrewMe = z.object({
  crew: z.object({
    id: z.string(),
    name: z.string(),
    role: z.string(),
    allDepartments: z.boolean(),
    departmentIds: z.array(z.string()),
  }),
  show: Show,
  departments: z.array(Department),
  scripts: z.array(Script),
});
export type CrewMe = z.infer<typeof CrewMe>;
export const CrewScriptRes = ScriptDetailRes;
export type CrewScript = z.infer<typeof CrewScriptRes>;
