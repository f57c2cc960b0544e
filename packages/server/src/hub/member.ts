/** One socket in a room: its view, and how far it has been brought. */
import { PROTOCOL_VERSION, type SyncQualityMessage, type View } from '@cuebe/protocol';
import type { Identity } from './identity';
import type { HubSocket } from './outgoing';

export class Member {
  /** The last version this socket has been sent (null: nothing yet). */
  pos: number | null = null;
  /** True once caught up: live broadcasts go to it. While false they are held back for it. */
  live = false;
  /** True once the welcome has gone out (presence is only sent after it). */
  welcomed = false;
  /** Wants the current presence on the next presence flush. */
  needsPresence = true;
  /** Bumped by every catch-up; a superseded catch-up drops its result. */
  catchUpGen = 0;
  /** The row this SM device says it is editing (issue 9), for the team's presence. */
  editing: string | null = null;
  /** The device's last clock-sync report, with the server time it arrived (for the SM's board). */
  sync: (SyncQualityMessage & { at: number }) | null = null;
  /** What the device is ("iPhone · Safari"), for the SM's board. */
  device = 'device';
  /** The protocol its hello named: messages newer than that are not sent to it. */
  protocol = PROTOCOL_VERSION;

  constructor(
    readonly socket: HubSocket,
    readonly identity: Identity,
    readonly deviceId: string,
    readonly view: View,
    readonly viewKey: string,
  ) {}
}
