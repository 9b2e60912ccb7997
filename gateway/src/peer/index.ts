/** The gateway as a workspace peer, and the device side of a terminal session. */
export { GatewayPeer, type GatewayPeerOptions } from './gateway-peer.ts';
export { TermViewer } from './term-viewer.ts';
export { ViewerCore, type Screen, type SnapshotGunzip, type ViewerCoreOptions, type ViewerNotice } from './viewer-core.ts';
export { signSessionRequest, openSessionRequest, signInput, verifyInput, signWriter, verifyWriter, signOwner, verifyOwner, type SessionRequest } from './signatures.ts';
export { memoryOwnerStore, type SessionOwnerStore } from './session-owners.ts';
export { memoryUsedTransfers, type UsedTransferStore } from './used-transfers.ts';
export { encodeTerm, decodeTerm, TermTag, type TermMessage } from './term-messages.ts';
export { SessionCommands, shellQuote, type AvailableSession, type SessionCommandRequest, type SessionCommandResult, type SessionCommandsOptions } from './session-commands.ts';
export { addWriter, provenOwner, removeWriter, requireSessionManager, verifiedWriters, writersOf } from './writers.ts';
export { currentWorkers, extendSessionGrants, grantSessionToWorkers, reconcileSessionAccess, withdrawSessionFromWorkers } from './session-grants.ts';
export { plainText } from './plain-text.ts';
export { FileTransfers, FILE_CHUNK_BYTES, MAX_FILE_BYTES, type TransferOptions } from './file-transfers.ts';
export { SshAdmin, parseSupportKey, DEFAULT_SUPPORT_MS, MAX_SUPPORT_MS, type SshAdminOptions, type SupportKey } from './ssh-admin.ts';
export * from './ssh-client.ts';
export * from './ssh-signatures.ts';
export type { GatewayLog, LogIds } from './gateway-log.ts';
