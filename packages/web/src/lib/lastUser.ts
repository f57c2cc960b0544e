/**
 * The stage manager last signed in on this device (id, email, name — no secret: the session is
 * the httpOnly cookie), kept in localStorage so the SM pages open with no network and show what
 * this device holds (docs/SPEC.md SC2). Forgotten on log-out and when the server says the
 * session is gone. Parsed on the way back in: an old or damaged record is ignored.
 */
import { User } from '@cuebe/protocol';

const KEY = 'cuebe.lastUser';

export function rememberUser(user: User): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(user));
  } catch {
    // Storage full or unavailable: only opening offline is lost.
  }
}

export function lastUser(): User | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = User.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function forgetUser(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
