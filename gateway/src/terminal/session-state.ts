/**
 * What a terminal session is, seen from outside: its lifecycle state and the
 * summary the gateway announces and lists.
 */
import type { SessionId } from '@tendril/crdt-schema/ids';
import type { TerminalSize } from './deps.ts';

/** Lifecycle of a session on the gateway (the same names as the session documents use). */
export const SessionState = {
  /** Output or input within the idle time. */
  Running: 'running',
  /** The shell runs, but nothing happened for the idle time. */
  Idle: 'idle',
  /** The shell is gone; the last screen stays readable. */
  Ended: 'ended',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

export interface SessionInfo {
  readonly id: SessionId;
  readonly title: string;
  readonly cwd: string;
  readonly shell: string;
  readonly state: SessionState;
  readonly startedAt: number;
  readonly lastActivityAt: number;
  readonly size: TerminalSize;
  readonly pid: number;
  readonly mode: 'tmux' | 'plain';
}
