/**
 * Venue LAN: crew links and QR codes carry PUBLIC_URL when set, and otherwise an address a phone
 * can reach (the machine's LAN address in place of localhost); HTTPS with TLS_CERT/TLS_KEY.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '@cuebe/protocol';
import { loadConfig } from '../src/config';
import { crewLinkBase, lanAddress, publicBaseUrl } from '../src/http/public-url';
import { backend, startServer, type TestServer } from './harness';
import { api } from './http';

const qrOf = (link: string) => QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });

/** Every address of this machine that is not loopback. */
const machineAddresses = () =>
  Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address);

/** A real HTTP request with a Host header of our choosing (fetch will not send one). */
function call(s: TestServer, method: string, path: string, headers: Record<string, string>, body?: unknown) {
  return new Promise<string>((resolve, reject) => {
    const req = httpRequest(
      `${s.url}${path}`,
      { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function crewOf(s: TestServer, host?: string) {
  const sm = await api(s);
  const { body } = await sm.post('/api/shows', { name: 'LAN' });
  const headers = { cookie: sm.cookie, ...(host ? { host } : {}) };
  const made = JSON.parse(
    await call(s, 'POST', `/api/shows/${body.show.id}/crew`, headers, { name: 'Sam', allDepartments: true }),
  );
  const qr = await call(s, 'GET', `/api/crew/${made.crew.id}/qr.svg`, headers);
  return { link: made.crew.link as string, qr };
}

describe(`venue LAN addresses (${backend})`, () => {
  it('with PUBLIC_URL, crew links and QR codes carry it', async () => {
    const s = await startServer({ env: { PUBLIC_URL: 'https://cuebe.venue.example/' } });
    try {
      const { link, qr } = await crewOf(s);
      expect(link).toMatch(/^https:\/\/cuebe\.venue\.example\/c#[A-Za-z0-9_-]{43}$/);
      expect(qr).toBe(await qrOf(link));
    } finally {
      await s.close();
    }
  });

  it('without it, an SM on localhost gets links with a non-loopback address of this machine', async () => {
    const s = await startServer({ env: { HOST: '0.0.0.0' } });
    try {
      const port = new URL(s.url).port;
      const lan = lanAddress();
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
        const { link, qr } = await crewOf(s, host);
        const url = new URL(link);
        if (lan) {
          expect(machineAddresses()).toContain(url.hostname);
          expect(url.hostname).toBe(lan);
        } else expect(url.host).toBe(host); // a machine with no network: nothing better to offer
        expect(url.port).toBe(port);
        expect(qr).toBe(await qrOf(link));
      }
      // A phone or laptop that reached the server by a LAN name keeps that name.
      const { link } = await crewOf(s, `stage-laptop.lan:${port}`);
      expect(link.startsWith(`http://stage-laptop.lan:${port}/c#`)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('the start-up address and link base follow the same rules', () => {
    const lan = lanAddress();
    const open = loadConfig({ HOST: '0.0.0.0', PORT: '3000' });
    expect(publicBaseUrl(open)).toBe(`http://${lan ?? 'localhost'}:3000`);
    expect(publicBaseUrl(loadConfig({ PUBLIC_URL: 'https://x.example' }))).toBe('https://x.example');
    // Bound to loopback only, the LAN address would not answer: keep what was asked.
    expect(crewLinkBase(loadConfig({ HOST: '127.0.0.1' }), 'http://localhost:3000')).toBe('http://localhost:3000');
    expect(crewLinkBase(open, 'http://[::1]:3000')).toBe(lan ? `http://${lan}:3000` : 'http://[::1]:3000');
    expect(() => loadConfig({ TLS_CERT: 'cert.pem' })).toThrow(/TLS_CERT and TLS_KEY/);
  });
});

describe(`HTTPS with TLS_CERT and TLS_KEY (${backend})`, () => {
  let dir: string;
  let cert: Buffer;
  let s: TestServer;
  let base: string;
  beforeAll(async () => {
    // A self-signed certificate made now, for 127.0.0.1 and this machine's LAN address.
    dir = mkdtempSync(join(tmpdir(), 'cuebe-tls-'));
    const lan = lanAddress();
    const san = ['IP:127.0.0.1', 'DNS:localhost', ...(lan ? [`IP:${lan}`] : [])].join(',');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=Cuebe test',
        '-addext',
        `subjectAltName=${san}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    s = await startServer({ env: { TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem') } });
    base = s.url.replace(/^http:/, 'https:');
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** An https request trusting only the test certificate. */
  const get = (path: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const req = httpsRequest(
        `${base}${path}`,
        { method, ca: cert, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        },
      );
      req.on('error', reject);
      req.end(body ? JSON.stringify(body) : undefined);
    });

  it('serves the API over https with the given certificate, secure cookies and https crew links', async () => {
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    const reg = await get('/api/auth/register', 'POST', {
      email: 'tls@example.com',
      password: 'correct horse battery',
      displayName: 'TLS',
    });
    expect(reg.status).toBe(201);
    const setCookie = String(reg.headers['set-cookie']);
    expect(setCookie).toMatch(/; Secure/);
    const cookie = /^(cuebe_session=[^;]*)/.exec(setCookie)![1]!;
    const show = JSON.parse((await get('/api/shows', 'POST', { name: 'Secure' }, { cookie, origin: base })).text);
    const crew = await get(
      `/api/shows/${show.show.id}/crew`,
      'POST',
      { name: 'Sam', allDepartments: true },
      {
        cookie,
        origin: base,
      },
    );
    const link = JSON.parse(crew.text).crew.link as string;
    expect(link.startsWith('https://')).toBe(true);

    // And the socket hub over wss on the same port.
    const script = JSON.parse(
      (await get(`/api/shows/${show.show.id}/scripts`, 'POST', { name: 'S' }, { cookie, origin: base })).text,
    );
    const ws = new WebSocket(`${base.replace(/^https/, 'wss')}/ws/script/${script.script.id}`, {
      ca: cert,
      headers: { cookie, origin: base },
    });
    const welcome = await new Promise<string>((resolve, reject) => {
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, lastVersion: null, deviceId: 'tls-test' })),
      );
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { type: string };
        if (m.type === 'welcome') resolve(m.type);
      });
      ws.on('error', reject);
    });
    expect(welcome).toBe('welcome');
    ws.close();
  });

  it('refuses a client that does not trust the certificate (it is really TLS)', async () => {
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
