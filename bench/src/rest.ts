/** A small JSON client for the Cuebe REST API with one SM session cookie. */
import type { z } from 'zod';

export class Rest {
  cookie: string | null = null;
  constructor(readonly base: string) {}

  async call<T extends z.ZodType>(method: string, path: string, body: unknown, schema: T): Promise<z.infer<T>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 300)}`);
    const set = res.headers.getSetCookie().find((c) => c.startsWith('cuebe_session='));
    if (set) this.cookie = set.split(';')[0]!;
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success)
      throw new Error(`${method} ${path}: unexpected response: ${parsed.error.message.slice(0, 300)}`);
    return parsed.data;
  }
}

/** Run tasks with at most `concurrency` in flight, keeping results in order. */
export async function mapLimit<I, O>(
  items: I[],
  concurrency: number,
  f: (item: I, i: number) => Promise<O>,
): Promise<O[]> {
  const out: O[] = new Array<O>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return out;
}
