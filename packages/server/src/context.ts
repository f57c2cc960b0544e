/** What every route module and the hub share. */
import type { FastifyBaseLogger } from 'fastify';
import type { ReferenceClock } from './clock/reference';
import type { Config } from './config';
import type { Database } from './db/open';
import type { Fanout } from './hub/fanout';
import type { PlaybackStore } from './live/playback-store';
import type { ScriptStore } from './scripts/store';

export interface AppContext {
  config: Config;
  database: Database;
  store: ScriptStore;
  /** Live show playback state per script (persisted, versioned). */
  playback: PlaybackStore;
  fanout: Fanout;
  /** Signs crew links. */
  secret: Buffer;
  log: FastifyBaseLogger;
  /** Show time shared by every node (clock pings, playback anchors): ms since the epoch. */
  clock: ReferenceClock;
}
