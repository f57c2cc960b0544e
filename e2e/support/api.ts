/** Test set-up through the public REST API (what the UI would do, only faster). */
export class Api {
  private cookie = '';
  constructor(readonly base: string) {}

  async call(method: string, path: string, body?: unknown, token?: string): Promise<unknown> {
    const headers: Record<string, string> = { origin: this.base };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : {};
  }

  /** The session cookie, to hand to a browser context. */
  sessionCookie(): { name: string; value: string; url: string } {
    const [name, value] = this.cookie.split('=');
    return { name: name!, value: value!, url: this.base };
  }
}
