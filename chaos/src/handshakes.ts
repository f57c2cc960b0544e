/**
 * Malformed WebSocket handshakes over a raw TCP socket: what the server answers (an HTTP status
 * line, a 101 then a close frame, or nothing before it closes the connection).
 */
import { connect } from 'node:net';

export interface RawAnswer {
  /** The HTTP status of the answer, or null when the connection closed without one. */
  status: number | null;
  bytes: number;
}

export function rawRequest(port: number, request: string | Buffer, timeoutMs = 5_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got.subarray(0, 64).toString('latin1'));
      resolve({ status: m ? Number(m[1]) : null, bytes: got.length });
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.on('error', finish);
    sock.on('close', finish);
    sock.on('data', (b) => {
      got = Buffer.concat([got, b]);
      // A complete answer head is enough.
      if (got.includes('\r\n\r\n')) setTimeout(finish, 50);
    });
    sock.write(request);
  });
}

export function upgradeRequest(path: string, headers: Record<string, string> | [string, string][] = {}): string {
  const base: [string, string][] = [
    ['Host', 'localhost'],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ['Sec-WebSocket-Version', '13'],
  ];
  const extra = Array.isArray(headers) ? headers : Object.entries(headers);
  return `GET ${path} HTTP/1.1\r\n${[...base, ...extra].map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
}
