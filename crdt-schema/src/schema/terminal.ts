/**
 * One document per terminal session: what runs where, the agreed window size,
 * who may type, screen snapshots and the output stream (terminal-output.ts).
 *
 *   const term = terminalDoc(ydoc);
 *   term.output.append(bytes); term.writers.canWrite(device);
 */
import type * as Y from 'yjs';
import type { DeviceId, SessionId } from '../ids.ts';
import {
  badInput, checkEnum, checkInt, checkOptionalText, checkText, compareStrings, readEnum, readNumber, readRecord, readString,
} from './fields.ts';
import { ROOT_META, TERMINAL, TERMINAL_SESSION } from './keys.ts';
import { readMeta, type DocMeta } from './meta.ts';
import { outputSection, snapshotsSection, type OutputChunk, type ScreenSnapshot } from './terminal-output.ts';
import { SESSION_STATES, SessionState } from './workspace-sessions.ts';
import { makeWriter, observeRoots, type AccessorOptions } from './writer.ts';

export interface TerminalInfo {
  readonly sessionId: SessionId;
  readonly title: string;
  readonly gateway: DeviceId;
  readonly shell: string;
  readonly cwd: string;
  readonly createdAt: number;
  readonly state: SessionState;
  /** May always type, and decides who else may. Any member can rewrite this field: trust it only with `ownerProof`. */
  readonly owner: DeviceId;
  /** The session gateway's signature naming the owner it verified (gateway/src/peer/signatures.ts `signOwner`). */
  readonly ownerProof?: Uint8Array;
}

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
  /** The device whose window set it. */
  readonly by: DeviceId;
}

export interface TerminalWriter {
  readonly device: DeviceId;
  readonly addedBy: DeviceId;
  readonly addedAt: number;
  /** `addedBy`'s signature over the entry (the gateway accepts only the owner's or an admin's). */
  readonly signature?: Uint8Array;
}

export interface TerminalState {
  readonly meta?: DocMeta;
  readonly info?: TerminalInfo;
  readonly size?: TerminalSize;
  readonly writers: TerminalWriter[];
  readonly snapshots: ScreenSnapshot[];
  readonly output: OutputChunk[];
}

export function terminalDoc(doc: Y.Doc, options: AccessorOptions = {}) {
  const w = makeWriter(doc, 'terminal', options);
  const session = doc.getMap<unknown>(TERMINAL.session);
  const writers = doc.getMap<unknown>(TERMINAL.writers);
  const output = outputSection(doc, w);
  const snapshots = snapshotsSection(doc, w);

  const info = (): TerminalInfo | undefined => {
    const sessionId = readString(session, TERMINAL_SESSION.sessionId);
    const gateway = readString(session, TERMINAL_SESSION.gateway);
    const owner = readString(session, TERMINAL_SESSION.owner);
    const createdAt = readNumber(session, TERMINAL_SESSION.createdAt);
    if (sessionId === undefined || gateway === undefined || owner === undefined || createdAt === undefined) return undefined;
    const proof = session.get(TERMINAL_SESSION.ownerProof);
    return {
      ...(proof instanceof Uint8Array ? { ownerProof: proof } : {}),
      sessionId: sessionId as SessionId,
      title: readString(session, TERMINAL_SESSION.title) ?? '',
      gateway: gateway as DeviceId,
      shell: readString(session, TERMINAL_SESSION.shell) ?? '',
      cwd: readString(session, TERMINAL_SESSION.cwd) ?? '',
      createdAt,
      state: readEnum(session, TERMINAL_SESSION.state, SESSION_STATES) ?? SessionState.Requested,
      owner: owner as DeviceId,
    };
  };
  const size = (): TerminalSize | undefined => {
    const r = readRecord(session, TERMINAL_SESSION.size);
    return typeof r?.cols === 'number' && typeof r.rows === 'number' && typeof r.by === 'string'
      ? { cols: r.cols, rows: r.rows, by: r.by as DeviceId }
      : undefined;
  };
  const listWriters = (): TerminalWriter[] => {
    const out: TerminalWriter[] = [];
    for (const device of writers.keys()) {
      const r = readRecord(writers, device);
      if (r !== undefined && typeof r.addedBy === 'string' && typeof r.addedAt === 'number') {
        const entry = { device: device as DeviceId, addedBy: r.addedBy as DeviceId, addedAt: r.addedAt };
        out.push(r.signature instanceof Uint8Array ? { ...entry, signature: r.signature } : entry);
      }
    }
    return out.sort((a, b) => compareStrings(a.device, b.device));
  };

  return {
    output,
    snapshots,
    /** Stamps a new session document. Idempotent for the same session id. */
    init(input: { sessionId: SessionId; title: string; gateway: DeviceId; owner: DeviceId; shell?: string; cwd?: string }): void {
      const current = readString(session, TERMINAL_SESSION.sessionId);
      if (current !== undefined && current !== input.sessionId) badInput(`document belongs to session ${current}`);
      if (current !== undefined) return;
      const title = checkText(input.title, 'title');
      const shell = checkOptionalText(input.shell ?? '', 'shell', 500);
      const cwd = checkOptionalText(input.cwd ?? '', 'cwd', 4000);
      const at = w.now();
      w.write(() => {
        session.set(TERMINAL_SESSION.sessionId, input.sessionId);
        session.set(TERMINAL_SESSION.title, title);
        session.set(TERMINAL_SESSION.gateway, input.gateway);
        session.set(TERMINAL_SESSION.owner, input.owner);
        session.set(TERMINAL_SESSION.shell, shell);
        session.set(TERMINAL_SESSION.cwd, cwd);
        session.set(TERMINAL_SESSION.createdAt, at);
        session.set(TERMINAL_SESSION.state, SessionState.Requested);
      });
    },
    info,
    /** Names the owner with the gateway's proof (the gateway's own record wins over whatever the document said). */
    setOwner(owner: DeviceId, proof: Uint8Array): void {
      w.write(() => {
        session.set(TERMINAL_SESSION.owner, owner);
        session.set(TERMINAL_SESSION.ownerProof, proof);
      });
    },
    setState(state: SessionState): void {
      const s = checkEnum(state, 'state', SESSION_STATES);
      w.write(() => session.set(TERMINAL_SESSION.state, s));
    },
    rename(title: string): void {
      const t = checkText(title, 'title');
      w.write(() => session.set(TERMINAL_SESSION.title, t));
    },
    setCwd(cwd: string): void {
      const c = checkOptionalText(cwd, 'cwd', 4000);
      w.write(() => session.set(TERMINAL_SESSION.cwd, c));
    },
    size,
    /** The window size the shell runs at; the last device to resize wins. */
    setSize(cols: number, rows: number, by: DeviceId): void {
      const value = { cols: checkInt(cols, 'cols', 1, 1000), rows: checkInt(rows, 'rows', 1, 1000), by };
      w.write(() => session.set(TERMINAL_SESSION.size, value));
    },
    writers: {
      /** Lists a writer; a signed entry replaces an unsigned or differently signed one. */
      add(device: DeviceId, by: DeviceId, signature?: Uint8Array): void {
        const had = readRecord(writers, device);
        if (had !== undefined && (signature === undefined || had.signature === signature)) return;
        const at = w.now();
        w.write(() => writers.set(device, signature ? { addedBy: by, addedAt: at, signature } : { addedBy: by, addedAt: at }));
      },
      remove(device: DeviceId): void {
        if (writers.has(device)) w.write(() => writers.delete(device));
      },
      /** Devices allowed to type besides the owner. */
      list: listWriters,
      canWrite(device: DeviceId): boolean {
        return info()?.owner === device || writers.has(device);
      },
    },
    observe(listener: () => void): () => void {
      const roots = [ROOT_META, ...Object.values(TERMINAL)].map((name) => doc.getMap<unknown>(name));
      return observeRoots(doc, roots, listener);
    },
    toJSON(): TerminalState {
      return { meta: readMeta(doc), info: info(), size: size(), writers: listWriters(), snapshots: snapshots.list(), output: output.read(0) };
    },
  };
}

export type TerminalDoc = ReturnType<typeof terminalDoc>;
