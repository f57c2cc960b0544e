/** LiveLink on its own: highest playback version wins, command answers, clock pings on the socket. */
import { describe, expect, it } from 'vitest';
import { initialPlaybackState, type PlaybackState } from '@cuebe/protocol';
import { CLOCK_PING_BASE, CommandFailed, LiveLink, type LiveHost } from './live';

function host(now = () => 1_000) {
  const sent: unknown[] = [];
  const h: LiveHost = { now, send: (m) => (sent.push(m), true), hidden: () => false, changed: () => {} };
  return { h, sent };
}

const state = (version: number, status: PlaybackState['status'] = 'STOPPED'): PlaybackState => ({
  ...initialPlaybackState(0),
  version,
  status,
});

describe('LiveLink', () => {
  it('keeps the highest playback version (an older message arriving late is ignored)', () => {
    const { h } = host();
    const live = new LiveLink(h);
    expect(live.onPlayback({ type: 'playback', version: 3, state: state(3, 'PLAYING'), serverTime: 5 })).toBe(true);
    expect(live.onPlayback({ type: 'playback', version: 2, state: state(2, 'PAUSED'), serverTime: 6 })).toBe(false);
    expect(live.onPlayback({ type: 'playback', version: 3, state: state(3, 'PAUSED'), serverTime: 6 })).toBe(false);
    expect(live.playback?.status).toBe('PLAYING');
  });

  it('resolves a command on its ack, rejects on its error, and rejects what is pending on a disconnect', async () => {
    const { h, sent } = host();
    const live = new LiveLink(h);
    await expect(live.command('c0', { kind: 'play' })).rejects.toMatchObject({ code: 'DISCONNECTED' });
    live.connectedAt(10_000, true);
    const ok = live.command('c1', { kind: 'play' });
    const bad = live.command('c2', { kind: 'resume' });
    const lost = live.command('c3', { kind: 'pause' });
    expect(sent.filter((m) => (m as { type: string }).type === 'command')).toHaveLength(3);
    live.onCommandAck({ type: 'commandAck', commandId: 'c1', version: 1, duplicate: false });
    live.onCommandError({
      type: 'commandError',
      commandId: 'c2',
      code: 'BAD_OP',
      reason: 'INVALID_TRANSITION',
      message: 'cannot resume now',
      retryable: false,
    });
    await expect(ok).resolves.toEqual({ version: 1, duplicate: false });
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailed);
    expect(err).toMatchObject({ code: 'BAD_OP', reason: 'INVALID_TRANSITION', message: 'cannot resume now' });
    live.disconnected();
    await expect(lost).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });

  it('starts a clock burst on connect with ping ids apart from the heartbeat, and runs on the welcome time until synced', () => {
    const { h, sent } = host(() => 2_000);
    const live = new LiveLink(h);
    expect(live.serverNow()).toBeNull();
    live.connectedAt(1_700_000_000_000, true);
    const ping = sent.find((m) => (m as { type: string }).type === 'ping') as { id: number; t0: number };
    expect(ping.id).toBeGreaterThan(CLOCK_PING_BASE);
    expect(ping.t0).toBe(2_000);
    expect(live.serverNow()).toBe(1_700_000_000_000);
    live.stop();
  });
});
