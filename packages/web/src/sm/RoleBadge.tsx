/** What the signed-in account is on a show: owner, editor or viewer. */
import type { ShowRole } from '@cuebe/protocol';

const LABEL: Record<ShowRole, string> = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' };

export function RoleBadge({ role }: { role: ShowRole }) {
  return <span className={`badge badge-role-${role}`}>{LABEL[role]}</span>;
}
