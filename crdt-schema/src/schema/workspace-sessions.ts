/**
 * The terminal sessions of a workspace index: who asked for a shell on which
 * gateway, and where the session stands. The session's screen and output live
 * in its own terminal document (terminal.ts).
 */
import * as Y from 'yjs';
import { newDocId, newSessionId, type DeviceId, type DocId, type SessionId } from '../ids.ts';
import { badInput, checkEnum, checkText, compareStrings, entryOf, readBytes, readEnum, readNumber, readRecord, readString, requireEntry, type YMap } from './fields.ts';
import { SESSION_ENTRY, WORKSPACE } from './keys.ts';
import type { Writer } from './writer.ts';

/** Lifecycle of a terminal session. */
export const SessionState = {
  /** Asked for by a device; no gateway has started it yet. */
  Requested: 'requested',
  /** A shell runs on the gateway and output is flowing. */
  Running: 'running',
  /** The shell runs but nobody is attached. */
  Idle: 'idle',
  /** The shell exited or was closed; the document stays for its scrollback. */
  Ended: 'ended',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];
export const SESSION_STATES: readonly SessionState[] = Object.values(SessionState);

export interface SessionEntry {
  readonly id: SessionId;
  readonly docId: DocId;
  readonly gateway: DeviceId;
  readonly title: string;
  readonly state: SessionState;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly requestedBy: DeviceId;
  /** The requester's signed start request (the gateway verifies it, never trusting the relay). */
  readonly request?: Uint8Array;
  /** A member's signed request to end the session. */
  readonly endRequest?: Uint8Array;
  /** Why the gateway refused or could not start the session (state `ended`). */
  readonly failure?: SessionFailure;
  /** The working folder asked for ('' or absent: the gateway's default). */
  readonly cwd?: string;
  /** The agent the session runs (absent: a plain shell). */
  readonly agent?: string;
}

/** A gateway's reason, with a stable error code (docs/ERRORS.md). */
export interface SessionFailure {
  readonly code: string;
  readonly message: string;
}

export interface NewSession {
  readonly id?: SessionId;
  readonly docId?: DocId;
  readonly gateway: DeviceId;
  readonly title: string;
  readonly requestedBy: DeviceId;
  readonly request?: Uint8Array;
  readonly cwd?: string;
  readonly agent?: string;
}

function readFailure(m: YMap): SessionFailure | undefined {
  const v = readRecord(m, SESSION_ENTRY.failure);
  return v && typeof v.code === 'string' && typeof v.message === 'string' ? { code: v.code.slice(0, 64), message: v.message.slice(0, 1000) } : undefined;
}

function readSession(id: string, m: YMap): SessionEntry | undefined {
  const docId = readString(m, SESSION_ENTRY.docId);
  const gateway = readString(m, SESSION_ENTRY.gateway);
  const requestedBy = readString(m, SESSION_ENTRY.requestedBy);
  const createdAt = readNumber(m, SESSION_ENTRY.createdAt);
  if (docId === undefined || gateway === undefined || requestedBy === undefined || createdAt === undefined) return undefined;
  return {
    id: id as SessionId,
    docId: docId as DocId,
    gateway: gateway as DeviceId,
    title: readString(m, SESSION_ENTRY.title) ?? '',
    state: readEnum(m, SESSION_ENTRY.state, SESSION_STATES) ?? SessionState.Requested,
    createdAt,
    updatedAt: readNumber(m, SESSION_ENTRY.updatedAt) ?? createdAt,
    requestedBy: requestedBy as DeviceId,
    request: readBytes(m, SESSION_ENTRY.request),
    endRequest: readBytes(m, SESSION_ENTRY.endRequest),
    ...optional('failure', readFailure(m)),
    ...optional('cwd', readString(m, SESSION_ENTRY.cwd)),
    ...optional('agent', readString(m, SESSION_ENTRY.agent)),
  };
}

const optional = <K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [key]: v } as { [P in K]: V }));

export function sessionsSection(doc: Y.Doc, w: Writer) {
  const sessions = doc.getMap<unknown>(WORKSPACE.sessions);
  const edit = (id: SessionId, change: (m: YMap, at: number) => void): void => {
    const m = requireEntry(sessions, id, 'session');
    const at = w.now();
    w.write(() => {
      change(m, at);
      m.set(SESSION_ENTRY.updatedAt, at);
    });
  };
  return {
    /** Requests a session on a gateway; the gateway moves it to running. */
    create(input: NewSession): SessionEntry {
      const title = checkText(input.title, 'title');
      const id = input.id ?? newSessionId();
      if (sessions.has(id)) badInput(`session ${id} exists`);
      const at = w.now();
      const m: YMap = new Y.Map<unknown>();
      w.write(() => {
        sessions.set(id, m);
        m.set(SESSION_ENTRY.docId, input.docId ?? newDocId());
        m.set(SESSION_ENTRY.gateway, input.gateway);
        m.set(SESSION_ENTRY.title, title);
        m.set(SESSION_ENTRY.state, SessionState.Requested);
        m.set(SESSION_ENTRY.createdAt, at);
        m.set(SESSION_ENTRY.updatedAt, at);
        m.set(SESSION_ENTRY.requestedBy, input.requestedBy);
        if (input.request !== undefined) m.set(SESSION_ENTRY.request, input.request);
        if (input.cwd) m.set(SESSION_ENTRY.cwd, checkText(input.cwd, 'working folder', 4096));
        if (input.agent) m.set(SESSION_ENTRY.agent, checkText(input.agent, 'agent', 64));
      });
      return readSession(id, m)!;
    },
    get(id: SessionId): SessionEntry | undefined {
      const m = entryOf(sessions, id);
      return m === undefined ? undefined : readSession(id, m);
    },
    setState(id: SessionId, state: SessionState): void {
      const s = checkEnum(state, 'state', SESSION_STATES);
      edit(id, (m) => m.set(SESSION_ENTRY.state, s));
    },
    /** The gateway ends a session it refused or could not start, and says why. */
    fail(id: SessionId, failure: SessionFailure): void {
      const code = checkText(failure.code, 'code', 64);
      const message = checkText(failure.message, 'message', 1000);
      edit(id, (m) => {
        m.set(SESSION_ENTRY.state, SessionState.Ended);
        m.set(SESSION_ENTRY.failure, { code, message });
      });
    },
    rename(id: SessionId, title: string): void {
      const t = checkText(title, 'title');
      edit(id, (m) => m.set(SESSION_ENTRY.title, t));
    },
    /** Records a member's signed request to end the session; the gateway verifies and ends it. */
    requestEnd(id: SessionId, signed: Uint8Array): void {
      edit(id, (m) => m.set(SESSION_ENTRY.endRequest, signed));
    },
    /** Sessions by creation time, id breaking ties. */
    list(): SessionEntry[] {
      const out: SessionEntry[] = [];
      for (const id of sessions.keys()) {
        const m = entryOf(sessions, id);
        const s = m === undefined ? undefined : readSession(id, m);
        if (s !== undefined) out.push(s);
      }
      return out.sort((a, b) => a.createdAt - b.createdAt || compareStrings(a.id, b.id));
    },
  };
}
