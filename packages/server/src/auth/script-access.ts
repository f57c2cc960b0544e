/**
 * Who may do what to a script, in one place: the show's owner and its editors may change it;
 * its viewers may read it (403 on a change); anyone else gets 404, as for an unknown id.
 * The roles themselves are decided in roles.ts (docs/SPEC.md P11–P15).
 */
import type { Conn } from '../db/open';
import { scriptFor } from './roles';

/** The script row when this account may change it; 403 for a viewer, 404 for anyone else. */
export async function editableScript(db: Conn, userId: string, scriptId: string) {
  return (await scriptFor(db, userId, scriptId, 'edit')).script;
}

/** The script row when this account may read it (books, exports, versions); 404 otherwise. */
export async function readableScript(db: Conn, userId: string, scriptId: string) {
  return (await scriptFor(db, userId, scriptId, 'read')).script;
}
