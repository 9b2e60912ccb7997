/**
 * Who may type into a terminal session: its owner, and the devices the owner
 * (or an admin) listed, each entry signed by whoever listed it. Only current
 * members count: a revoked owner or writer types nothing, and entries signed
 * by a revoked device count for nothing.
 *
 * The owner is never taken from the document's `owner` field alone (any
 * member with terminal keys can rewrite it): the gateway uses the owner it
 * verified from the signed start request and keeps in its home
 * (`writersOf`); devices use the owner the session's gateway signed into the
 * document (`provenOwner`, `verifiedWriters`). So a member who merely can
 * write terminal documents cannot make itself owner, add itself, or add
 * anyone else. Devices edit the list through `addWriter` / `removeWriter`.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { DeviceId, SessionId } from '@tendril/crdt-schema/ids';
import { Scope } from '@tendril/crdt-schema/keyring';
import { terminalDoc, type TerminalDoc } from '@tendril/crdt-schema/schema';
import type { Directory, WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { signWriter, verifyOwner, verifyWriter } from './signatures.ts';

const isCurrent = (directory: Directory, device: DeviceId): boolean => {
  const m = directory.member(device);
  return m !== undefined && m.revokedAtEpoch === undefined;
};

/** Checks one signed writer entry (signatures.ts's verifyWriter, or a memo of it). */
export type WriterCheck = (session: SessionId, w: { device: DeviceId; addedBy: DeviceId; signature?: Uint8Array }) => boolean;

/**
 * verifyWriter with its answers kept: the gateway asks for the writer list on every input frame, and
 * an Ed25519 check per listed writer per keystroke would sit on the echo path. Keyed by the entry's
 * exact bytes, so a changed entry is checked again; bounded.
 */
export function memoWriterCheck(crypto: CryptoProvider, max = 1024): WriterCheck {
  const seen = new Map<string, boolean>();
  return (session, w) => {
    const key = `${session}|${w.device}|${w.addedBy}|${w.signature ? Array.from(w.signature, (b) => b.toString(16).padStart(2, '0')).join('') : ''}`;
    let ok = seen.get(key);
    if (ok === undefined) {
      ok = verifyWriter(crypto, session, w);
      if (seen.size >= max) seen.delete(seen.keys().next().value!);
      seen.set(key, ok);
    }
    return ok;
  };
}

/**
 * The owner first, then every listed writer whose entry is signed by the owner or a current admin;
 * empty when the owner is unknown or no longer a current member.
 */
export function writersOf(
  crypto: CryptoProvider, directory: Directory, owner: DeviceId | undefined, doc: TerminalDoc, session: SessionId, check: WriterCheck = (s, w) => verifyWriter(crypto, s, w),
): DeviceId[] {
  if (!owner || !isCurrent(directory, owner)) return [];
  const listed = doc.writers.list().filter((w) => {
    if (w.device === owner || !isCurrent(directory, w.device)) return false;
    const signer = w.addedBy === owner || directory.member(w.addedBy)?.role === 'admin';
    return signer && isCurrent(directory, w.addedBy) && check(session, w);
  });
  return [owner, ...listed.map((w) => w.device)];
}

/**
 * The owner the document names, when the session's gateway (a current member with the gateway role)
 * signed it for this session; undefined otherwise (a forged or missing proof).
 */
export function provenOwner(crypto: CryptoProvider, directory: Directory, doc: TerminalDoc, session: SessionId, gateway?: DeviceId): DeviceId | undefined {
  const info = doc.info();
  if (!info?.ownerProof || info.sessionId !== session || (gateway !== undefined && info.gateway !== gateway)) return undefined;
  const g = directory.member(info.gateway);
  if (g?.role !== 'gateway' || g.revokedAtEpoch !== undefined) return undefined;
  return verifyOwner(crypto, info.gateway, session, info.owner, info.ownerProof) ? info.owner : undefined;
}

/** The writers as a device sees them: `writersOf` with the owner the gateway signed into the document. */
export function verifiedWriters(crypto: CryptoProvider, directory: Directory, doc: TerminalDoc, session: SessionId, check?: WriterCheck): DeviceId[] {
  return writersOf(crypto, directory, provenOwner(crypto, directory, doc, session), doc, session, check);
}

async function openSessionDoc(session: WorkspaceSession, id: SessionId): Promise<TerminalDoc> {
  const entry = session.workspace().sessions.get(id);
  if (!entry) throw new TendrilError('E_BAD_INPUT', `no terminal session ${id} in this workspace (try \`tendril sync\` first)`);
  const sync = await session.peer.openDoc({ doc: entry.docId, scope: Scope.Terminals });
  // Catch up first when the relay is reachable (the owner is named by the gateway); offline, go with what is here.
  session.connect();
  await sync.whenSynced(10_000).catch(() => undefined);
  return terminalDoc(sync.ydoc, { origin: 'local' });
}

/** Throws unless this device owns the session or is an admin: only they may change who types. */
function requireManager(crypto: CryptoProvider, session: WorkspaceSession, doc: TerminalDoc, id: SessionId): void {
  const me = session.home.identity.deviceId;
  const owner = provenOwner(crypto, session.members, doc, id, session.workspace().sessions.get(id)?.gateway);
  if (owner === undefined) throw new TendrilError('E_BAD_INPUT', 'the session has not started yet (its gateway has not named an owner)');
  if (owner !== me && session.home.config.role !== 'admin') throw new TendrilError('E_FORBIDDEN', 'only the session owner or an admin can change who may type');
}

/** Throws E_FORBIDDEN unless this device may change who types in the session (its owner or an admin). */
export async function requireSessionManager(crypto: CryptoProvider, session: WorkspaceSession, id: SessionId): Promise<void> {
  requireManager(crypto, session, await openSessionDoc(session, id), id);
}

/** Lists `device` as a writer, signed by this device. */
export async function addWriter(crypto: CryptoProvider, session: WorkspaceSession, id: SessionId, device: DeviceId): Promise<void> {
  const doc = await openSessionDoc(session, id);
  requireManager(crypto, session, doc, id);
  if (!isCurrent(session.members, device)) throw new TendrilError('E_BAD_INPUT', `${device} is not a current member`);
  if (device === provenOwner(crypto, session.members, doc, id)) return;
  doc.writers.add(device, session.home.identity.deviceId, signWriter(crypto, session.home.identity, id, device));
}

export async function removeWriter(crypto: CryptoProvider, session: WorkspaceSession, id: SessionId, device: DeviceId): Promise<void> {
  const doc = await openSessionDoc(session, id);
  requireManager(crypto, session, doc, id);
  doc.writers.remove(device);
}
