/**
 * The few fields the load generator reads from server frames. Setup frames are rare and could
 * be parsed with the full protocol schemas; `changes` frames are the hot path (up to 100,000 a
 * second shared by two cores with the server), so they are picked apart with plain type checks
 * — still no casts on incoming data.
 */

/** What the bench puts in an element's notes: who sent it, in which phase, and when (µs). */
export const NOTE_PREFIX = 'bench|';
export type Phase = 'w' | 'm';

export function benchNote(phase: Phase, seq: number, sentUs: number, padTo: number): string {
  const head = `${NOTE_PREFIX}${phase}|${seq}|${sentUs}|`;
  return head.length >= padTo ? head : head + '.'.repeat(padTo - head.length);
}

export function readBenchNote(notes: string): { phase: Phase; sentUs: number } | null {
  if (!notes.startsWith(NOTE_PREFIX)) return null;
  const parts = notes.split('|', 4);
  const phase = parts[1];
  const sentUs = Number(parts[3]);
  if ((phase !== 'w' && phase !== 'm') || !Number.isFinite(sentUs)) return null;
  return { phase, sentUs };
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface ChangeSeen {
  version: number;
  /** notes of the first upserted element, when it has any. */
  notes: string | null;
}

/** The versions (and first element notes) of a `changes` frame; null when the frame is not one. */
export function readChanges(msg: Record<string, unknown>): ChangeSeen[] | null {
  if (msg.type !== 'changes' || !Array.isArray(msg.changes)) return null;
  const out: ChangeSeen[] = [];
  for (const c of msg.changes) {
    if (!isRecord(c) || typeof c.version !== 'number') return null;
    let notes: string | null = null;
    const patch = c.patch;
    if (isRecord(patch) && Array.isArray(patch.upserts)) {
      const first: unknown = patch.upserts[0];
      if (isRecord(first) && typeof first.notes === 'string') notes = first.notes;
    }
    out.push({ version: c.version, notes });
  }
  return out;
}

const VERSION_KEY = Buffer.from('"version":');
const NOTES_KEY = Buffer.from(`"notes":"${NOTE_PREFIX}`);
const CHANGES_TYPE = Buffer.from('"type":"changes"');

/**
 * The hot path for a live broadcast (one change per frame): read the version and the bench note
 * straight from the bytes, without decoding and parsing the whole frame. Element and script
 * fields have no "version" key, so exactly one occurrence means one change. Anything else (catch-up
 * frames with several changes, other messages) returns null and goes through JSON.parse.
 */
export function scanSingleChange(buf: Buffer): ChangeSeen | null {
  if (buf.indexOf(CHANGES_TYPE) < 0) return null;
  const v = buf.indexOf(VERSION_KEY);
  if (v < 0 || buf.indexOf(VERSION_KEY, v + VERSION_KEY.length) >= 0) return null;
  let i = v + VERSION_KEY.length;
  let version = 0;
  let digits = 0;
  for (; i < buf.length; i++, digits++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    version = version * 10 + d;
  }
  if (digits === 0 || digits > 15) return null;
  const n = buf.indexOf(NOTES_KEY);
  if (n < 0) return { version, notes: null };
  const start = n + NOTES_KEY.length - NOTE_PREFIX.length;
  // The bench note is plain ASCII up to its last '|': no JSON escapes to undo.
  const end = buf.indexOf(0x22 /* " */, start);
  if (end < 0) return null;
  return { version, notes: buf.toString('latin1', start, end) };
}

export function readNumber(msg: Record<string, unknown>, key: string): number | null {
  const v = msg[key];
  return typeof v === 'number' ? v : null;
}

export function readString(msg: Record<string, unknown>, key: string): string | null {
  const v = msg[key];
  return typeof v === 'string' ? v : null;
}

export function parseFrame(data: unknown): Record<string, unknown> | null {
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : typeof data === 'string' ? data : null;
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return isRecord(v) ? v : null;
  } catch {
    return null;
  }
}
