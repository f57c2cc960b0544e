/**
 * A TCP proxy between a node and PostgreSQL that can lose the reply to a commit: armed, it
 * forwards the next commit of a write — a COMMIT after an insert, update or delete in the same
 * transaction, or a run of the prepared one-statement commit (`cuebe_commit`) — lets PostgreSQL
 * finish it, throws its reply away and drops the connection. The write is committed; the node
 * never hears so.
 */
import net from 'node:net';

export interface CommitReplyProxy {
  /** postgres://… through the proxy, to the same database as `target`. */
  url: string;
  /** Lose the reply of the next commit of a write; resolves once it was thrown away. */
  loseNextCommitReply(): Promise<void>;
  /** Stop waiting for a commit to lose (the write under test made none). */
  disarm(): void;
  /** Replies thrown away so far. */
  readonly lost: number;
  close(): Promise<void>;
}

const WRITE = /^\s*(insert|update|delete|with)\b/i;
const COMMIT = /^\s*(commit|end)\s*;?\s*$/i;
const TX_BOUNDARY = /^\s*(begin|start transaction|commit|end|rollback)\b/i;

/** The C string at `at` in `b`, and where it ends. */
function cstring(b: Buffer, at: number): [string, number] {
  const end = b.indexOf(0, at);
  return [b.toString('utf8', at, end), end + 1];
}

export async function commitReplyProxy(target: string): Promise<CommitReplyProxy> {
  const t = new URL(target);
  const sockets = new Set<net.Socket>();
  let armed: (() => void) | null = null;
  let lost = 0;

  const server = net.createServer((client) => {
    const upstream = net.connect(Number(t.port || 5432), t.hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => (sockets.delete(client), upstream.destroy()));
    upstream.on('close', () => (sockets.delete(upstream), client.destroy()));
    client.on('error', drop);
    upstream.on('error', drop);

    let fromClient = Buffer.alloc(0);
    let started = false;
    let wrote = false;
    /** Set once this connection's commit is the one to lose: replies are swallowed from then on. */
    let doomed: (() => void) | null = null;
    let fromServer = Buffer.alloc(0);

    client.on('data', (chunk: Buffer) => {
      fromClient = Buffer.concat([fromClient, chunk]);
      // Look at whole messages only; forward the bytes as they came.
      for (;;) {
        if (!started) {
          if (fromClient.length < 4) break;
          const len = fromClient.readInt32BE(0);
          if (fromClient.length < len) break;
          fromClient = fromClient.subarray(len);
          started = true;
          continue;
        }
        if (fromClient.length < 5) break;
        const len = fromClient.readInt32BE(1);
        if (fromClient.length < 1 + len) break;
        const type = String.fromCharCode(fromClient[0]!);
        const body = fromClient.subarray(5, 1 + len);
        fromClient = fromClient.subarray(1 + len);
        let text: string | null = null;
        if (type === 'Q') text = cstring(body, 0)[0];
        if (type === 'P') text = cstring(body, cstring(body, 0)[1])[0];
        const statement = type === 'B' ? cstring(body, cstring(body, 0)[1])[0] : null;
        if (text !== null && WRITE.test(text)) wrote = true;
        const commitsWrite = (text !== null && COMMIT.test(text) && wrote) || statement === 'cuebe_commit';
        if (text !== null && TX_BOUNDARY.test(text)) wrote = false;
        if (commitsWrite && armed && !doomed) {
          doomed = armed;
          armed = null;
        }
      }
      upstream.write(chunk);
    });

    upstream.on('data', (chunk: Buffer) => {
      if (!doomed) return void client.write(chunk);
      // Swallow the reply; once PostgreSQL says it is ready again the commit is over: drop.
      fromServer = Buffer.concat([fromServer, chunk]);
      while (fromServer.length >= 5) {
        const len = fromServer.readInt32BE(1);
        if (fromServer.length < 1 + len) break;
        const type = String.fromCharCode(fromServer[0]!);
        fromServer = fromServer.subarray(1 + len);
        if (type === 'Z') {
          lost++;
          const done = doomed;
          drop();
          done();
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('proxy did not listen');
  const via = new URL(target);
  via.hostname = '127.0.0.1';
  via.port = String(addr.port);
  return {
    url: via.toString(),
    get lost() {
      return lost;
    },
    disarm() {
      armed = null;
    },
    loseNextCommitReply() {
      if (armed) throw new Error('already armed');
      return new Promise<void>((resolve) => (armed = resolve));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
