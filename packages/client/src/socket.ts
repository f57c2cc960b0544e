/**
 * The little a client needs from a WebSocket: the browser's WebSocket and the `ws` package's
 * both fit, and tests can pass anything else that does.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type CreateSocket = (url: string) => WebSocketLike;

/** WebSocket.OPEN, without needing the global. */
export const OPEN = 1;

/** The environment's WebSocket (browsers, Node 22+); throws when there is none. */
export const defaultCreateSocket: CreateSocket = (url) => {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (!Ctor) throw new Error('no global WebSocket here: pass createSocket');
  return new Ctor(url);
};

const decoder = new TextDecoder();

/** A frame's text, whatever the socket implementation hands over. */
export function frameText(data: unknown): string | null {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return decoder.decode(data);
  if (ArrayBuffer.isView(data)) return decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return null;
}
