/**
 * The SM's readiness board: for every cue on standby, each crew member who should answer it
 * (their departments include the cue's, or they have all departments) and where they are —
 * not connected, waiting, standing by (N s ago), or on a device that cannot be trusted to show
 * a call on time right now — with a Nudge per person. It never holds GO back: calling is the
 * SM's decision, the board only tells them who is ready.
 */
import { useMemo } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { SyncClient } from '@cuebe/client';
import type { CueRow, PlaybackCommand, PlaybackState, PresenceCrew, StandbyAck } from '@cuebe/protocol';
import { shows } from '../api/sm';
import { useLive } from '../live/useLive';
import { ClockDoubts } from '../live/ClockDoubts';
import { useTicker } from './useTicker';

/** A crew member who may answer a standby: from the show's crew list and from presence. */
interface Answerer {
  crewId: string;
  name: string;
  role: string;
  allDepartments: boolean;
  departmentIds: readonly string[];
}

export function ReadinessBoard({
  live,
  playback,
  standby,
  send,
}: {
  live: SyncClient;
  playback: PlaybackState;
  standby: readonly CueRow[];
  send: (cmd: PlaybackCommand) => void;
}) {
  const showId = useLive(live, (v) => v.script?.showId);
  const presence = useLive(live, (v) => v.presence?.crew);
  // The crew list comes to the show's owner only; presence fills in whoever is connected.
  const show = useQuery({ queryKey: ['show', showId], queryFn: () => shows.get(showId!), enabled: !!showId });
  const crew = useMemo(() => {
    const all = new Map<string, Answerer>();
    for (const c of show.data?.crew ?? []) if (c.status === 'active') all.set(c.id, { ...c, crewId: c.id });
    for (const c of presence ?? []) if (!all.has(c.crewId)) all.set(c.crewId, c);
    return [...all.values()];
  }, [show.data, presence]);
  const online = useMemo(() => new Map((presence ?? []).map((c) => [c.crewId, c])), [presence]);
  if (standby.length === 0) return null;
  return (
    <section className="readiness" aria-label="Standby readiness" data-testid="readiness">
      {standby.map(({ cue }) => {
        const acks = playback.acks.filter((a) => a.cueId === cue.id);
        const expected = crew.filter(
          (c) => c.allDepartments || (cue.departmentId !== null && c.departmentIds.includes(cue.departmentId)),
        );
        // Someone who answered counts even if the list does not have them (yet).
        for (const a of acks)
          if (!expected.some((c) => c.crewId === a.crewId))
            expected.push({ crewId: a.crewId, name: a.name, role: '', allDepartments: false, departmentIds: [] });
        const ready = expected.filter((c) => acks.some((a) => a.crewId === c.crewId)).length;
        return (
          <div key={cue.id} className="rd-cue" data-testid="rd-cue" data-cue-id={cue.id}>
            <div className="rd-head">
              <span className="lp-cue-tag">Standby</span>
              <strong>{cue.name}</strong>
              <span className={`rd-count${ready === expected.length && ready > 0 ? ' all' : ''}`}>
                {ready}/{expected.length} standing by
              </span>
            </div>
            {expected.length === 0 ? (
              <p className="muted small rd-none">No crew member answers this cue&apos;s department.</p>
            ) : (
              <ul className="rd-crew">
                {expected.map((c) => (
                  <CrewStatus
                    key={c.crewId}
                    live={live}
                    crew={c}
                    presence={online.get(c.crewId)}
                    ack={acks.find((a) => a.crewId === c.crewId)}
                    onNudge={() => send({ kind: 'nudge', crewId: c.crewId, cueId: cue.id })}
                  />
                ))}
              </ul>
            )}
          </div>
        );
      })}
    </section>
  );
}

function CrewStatus({
  live,
  crew,
  presence,
  ack,
  onNudge,
}: {
  live: SyncClient;
  crew: Answerer;
  presence: PresenceCrew | undefined;
  ack: StandbyAck | undefined;
  onNudge: () => void;
}) {
  const connected = (presence?.devices ?? 0) > 0;
  const state = ack ? 'acked' : connected ? 'waiting' : 'offline';
  return (
    <li className={`rd-member ${state}`} data-testid="rd-member" data-crew-id={crew.crewId} data-state={state}>
      <span className="rd-name">
        {crew.name}
        {crew.role && <span className="muted small"> · {crew.role}</span>}
      </span>
      <span className="rd-status">
        {ack ? (
          <>
            ✓ Standing by <Ago live={live} atServerMs={ack.atServerMs} />
          </>
        ) : connected ? (
          'Not acknowledged'
        ) : (
          'Not connected'
        )}
        {ack && !connected && <span className="muted small"> · now disconnected</span>}
        {presence && connected && <ClockDoubts live={live} crew={presence} />}
      </span>
      <button type="button" className="rd-nudge" onClick={onNudge} title={`Make ${crew.name}'s devices buzz`}>
        Nudge
      </button>
    </li>
  );
}

/** "3 s ago", ticking on its own by the synced clock. */
function Ago({ live, atServerMs }: { live: SyncClient; atServerMs: number }) {
  const text = useTicker(() => {
    const now = live.serverNow();
    if (now === null) return '';
    const s = Math.max(0, Math.floor((now - atServerMs) / 1000));
    return s < 60 ? `${s} s ago` : `${Math.floor(s / 60)} min ago`;
  }, [live, atServerMs]);
  return <span className="rd-ago mono">{text}</span>;
}
