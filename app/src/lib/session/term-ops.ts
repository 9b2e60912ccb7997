/**
 * Terminal session actions from the app: request a session on a gateway and
 * end one, each with a request signed by this device (the gateway verifies
 * it, never trusting the relay), and unpacking screen snapshots in the
 * browser. Whether a gateway is online comes from the roster of peers in
 * presence (roster-view.ts `gatewayRows`), not from the stored index.
 */
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { newDocId, newSessionId, type DeviceId, type SessionId } from '@tendril/crdt-schema/ids';
import type { SessionEntry } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { MAX_NOTES_CHARS, signSessionRequest, type AgentKind } from '@tendril/gateway/viewer';

/** The working folder ('' for the gateway's default), the agent and the requester's notes for it. */
export interface SessionSetup {
  readonly cwd?: string;
  readonly agent?: AgentKind;
  readonly notes?: string;
}

/**
 * Writes a signed start request into the index; the gateway moves it to running. An agent session
 * gets AGENTS.md and CLAUDE.md in its folder from the gateway's defaults plus `notes`.
 */
export function startSession(crypto: CryptoProvider, session: WorkspaceSession, gateway: DeviceId, title: string, setup: SessionSetup = {}): SessionId {
  const id = newSessionId();
  const doc = newDocId();
  const me = session.home.identity;
  const cwd = setup.cwd?.trim() ?? '';
  const agent = setup.agent ?? 'shell';
  const notes = (setup.notes ?? '').trim().slice(0, MAX_NOTES_CHARS);
  const configured = { ...(agent !== 'shell' ? { agent } : {}), ...(notes && agent !== 'shell' ? { notes } : {}) };
  const request = signSessionRequest(crypto, { kind: 'start', session: id, doc, gateway, title, cwd, requester: me.deviceId, ...configured }, me);
  session.workspace().sessions.create({ id, docId: doc, gateway, title, requestedBy: me.deviceId, request, cwd, agent });
  return id;
}

/** Records a signed request to end the session; the gateway ends the shell. */
export function endSession(crypto: CryptoProvider, session: WorkspaceSession, entry: SessionEntry): void {
  const me = session.home.identity;
  const request = signSessionRequest(crypto, { kind: 'end', session: entry.id, doc: entry.docId, gateway: entry.gateway, title: entry.title, cwd: '', requester: me.deviceId }, me);
  session.workspace().sessions.requestEnd(entry.id, request);
}

/** gunzip with the browser's DecompressionStream. */
export async function gunzip(gzip: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([gzip as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
