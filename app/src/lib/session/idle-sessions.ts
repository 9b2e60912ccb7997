/**
 * Which terminal sessions are inactive: the gateway marks a session `idle`
 * once its shell has been quiet for a while (no output, no input) and stamps
 * the index entry then; a session idle for longer than this device's setting
 * (24 h unless changed) is inactive. The app lists those apart, tells their
 * owner once per quiet spell, and lets them end one; nothing here ends a
 * session by itself. Pure functions of the index entries and the clock.
 */
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import type { SessionEntry } from '@tendril/crdt-schema/schema';

/** Above this many inactive sessions, their section starts collapsed. */
export const INACTIVE_COLLAPSE_OVER = 10;

const HOUR_MS = 3_600_000;

/** Quiet since the gateway marked it idle (its last state change), for at least `idleHours`. */
export function isInactive(s: Pick<SessionEntry, 'state' | 'updatedAt'>, now: number, idleHours: number): boolean {
  return s.state === 'idle' && now - s.updatedAt >= idleHours * HOUR_MS;
}

export interface SessionSections<T> {
  readonly active: T[];
  readonly inactive: T[];
  /** Whether the inactive section starts collapsed. */
  readonly collapsed: boolean;
}

/** Splits sessions in list order into the ones in use (ended ones included) and the inactive ones. */
export function splitSessions<T extends Pick<SessionEntry, 'state' | 'updatedAt'>>(sessions: readonly T[], now: number, idleHours: number): SessionSections<T> {
  const active: T[] = [];
  const inactive: T[] = [];
  for (const s of sessions) (isInactive(s, now, idleHours) ? inactive : active).push(s);
  return { active, inactive, collapsed: inactive.length > INACTIVE_COLLAPSE_OVER };
}

/** One quiet spell of one session: a session that ran again and went quiet again is told about anew. */
export const spellKey = (s: Pick<SessionEntry, 'id' | 'updatedAt'>): string => `${s.id}@${s.updatedAt}`;

/** The inactive sessions `me` started that have no end request yet: what its owner is told about. */
export function ownedInactive(sessions: readonly SessionEntry[], me: DeviceId, now: number, idleHours: number): SessionEntry[] {
  return sessions.filter((s) => s.requestedBy === me && !s.endRequest && isInactive(s, now, idleHours));
}

/** The notice's wording: "2 terminal sessions inactive for 24 h: build, logs". */
export function inactiveNotice(sessions: readonly Pick<SessionEntry, 'id' | 'title'>[], idleHours: number): string {
  const n = sessions.length;
  const names = sessions.map((s) => s.title || (s.id as SessionId)).join(', ');
  return `${n} terminal ${n === 1 ? 'session' : 'sessions'} inactive for ${idleHours} h: ${names}`;
}
