import type { User } from '@cuebe/protocol';
export default function Workspace(_: { user: User; scriptId: string }) {
  return null;
}
