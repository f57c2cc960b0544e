/**
 * The crew share link is /c#<token>. The fragment never reaches the server (so the token is in
 * no server log); we move it into localStorage at once and take it out of the address bar, so
 * it is not left in the history, a screenshot or a shared URL. It then travels only as
 * Authorization: Bearer and in the socket hello.
 */
const KEY = 'cuebe.crewToken';
const TOKEN = /^[A-Za-z0-9_\-.~]{8,200}$/;

/** Call once, before rendering: captures a token from the fragment of /c#<token>. */
export function captureCrewToken(): void {
  const { pathname, hash } = window.location;
  if (!pathname.startsWith('/c') || hash.length < 2) return;
  const token = decodeURIComponent(hash.slice(1));
  if (TOKEN.test(token)) {
    try {
      localStorage.setItem(KEY, token);
    } catch {
      memoryToken = token;
    }
  }
  window.history.replaceState(null, '', pathname + window.location.search);
}

let memoryToken: string | null = null;

export function crewToken(): string | null {
  try {
    return localStorage.getItem(KEY) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}

export function forgetCrewToken(): void {
  memoryToken = null;
  try {
    localStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
