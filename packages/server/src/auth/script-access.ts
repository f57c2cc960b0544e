/**
 * Who may do what to a script, in one place. Today the show's owner may read and edit; a later
 * "editor" role (a deputy stage manager) joins by passing `editableScript` too, so every route
 * that changes a script asks this one question.
 */
import type { Conn } from '../db/open';
import { ownedScript } from './owner';

/** The script row when this account may change it; 404 (as for an unknown id) otherwise. */
export async function editableScript(db: Conn, userId: string, scriptId: string) {
  return ownedScript(db, userId, scriptId);
}

/** The script row when this account may read it (books, exports, versions); 404 otherwise. */
export async function readableScript(db: Conn, userId: string, scriptId: string) {
  return editableScript(db, userId, scriptId);
}
