/** A stable id of this browser for presence (not a secret; kept in localStorage). */
import { uuid } from './uuid';
const KEY = 'cuebe.deviceId';

export function deviceId(): string {
  try {
    let id = localStorage.getItem(KEY);
    if (!id) {
      id = uuid();
      localStorage.setItem(KEY, id);
    }
    return id;
  } catch {
    return (fallback ??= uuid());
  }
}
let fallback: string | undefined;
