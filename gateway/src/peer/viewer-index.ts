/**
 * The browser-safe side of terminal sessions (`@tendril/gateway/viewer`):
 * the viewer protocol, the message codec, signatures and the snapshot header.
 * Nothing here imports Node modules, node-pty or @xterm/headless.
 */
export { ViewerCore, type Screen, type SnapshotGunzip, type ViewerCoreOptions, type ViewerNotice } from './viewer-core.ts';
export { signSessionRequest, signInput, type SessionRequest } from './signatures.ts';
export { encodeTerm, decodeTerm, TermTag, type TermMessage } from './term-messages.ts';
export { decodeSnapshot, type ScreenSnapshot } from '../terminal/snapshot-codec.ts';
export { addWriter, provenOwner, removeWriter, requireSessionManager, verifiedWriters, writersOf } from './writers.ts';
export { currentWorkers, extendSessionGrants, grantSessionToWorkers, reconcileSessionAccess, withdrawSessionFromWorkers } from './session-grants.ts';
export { FileTransfers, FILE_CHUNK_BYTES, MAX_FILE_BYTES, type TransferOptions } from './file-transfers.ts';
export { awaitSshAnswer, leaveSshRequest, readSshLog, readSshState, type SshChange } from './ssh-client.ts';
export type { SshAnswer, SshKeyView, SshLogEntry, SshState } from './ssh-signatures.ts';
export { AGENT_KINDS, AGENT_NAMES, isAgentKind, MAX_NOTES_CHARS, type AgentKind } from '../terminal/agent-instructions.ts';
export { decodeListing, MAX_FOLDER_ENTRIES, type FolderEntry, type FolderListing } from './folder-listing.ts';
