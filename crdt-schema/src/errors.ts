/**
 * Stable error codes. Every failure a peer or the relay can report carries one
 * of these codes, a human sentence and the recovery rule documented in
 * docs/ERRORS.md (a test keeps the two in step). Codes never change meaning;
 * new ones are added at the end of their group.
 */

/** Where an error comes from and what a caller should do about it. */
export interface ErrorInfo {
  /** One line: what went wrong. */
  readonly summary: string;
  /** The documented recovery rule. */
  readonly recovery: string;
  /** True when a peer should treat it as evidence the relay misbehaved. */
  readonly relayMisbehaviour?: boolean;
}

export const ERRORS = {
  // ids and input
  E_BAD_ID: { summary: 'an identifier is malformed', recovery: 'reject the input; do not retry with the same value' },
  E_BAD_INPUT: { summary: 'an argument or stored value is out of range or of the wrong shape', recovery: 'fix the caller; nothing was changed' },

  // envelope: opened in the order signature -> counter -> decrypt -> decode
  E_ENVELOPE_MALFORMED: { summary: 'the envelope bytes do not parse (truncated, trailing bytes, bad lengths)', recovery: 'drop the envelope; if it came from the relay, report relay misbehaviour', relayMisbehaviour: true },
  E_ENVELOPE_VERSION: { summary: 'the envelope format version is not supported by this peer', recovery: 'drop it and keep it aside; upgrade this peer to read it' },
  E_WRONG_DOC: { summary: 'the envelope names another document than the one it was delivered for', recovery: 'drop it; the relay mixed up documents', relayMisbehaviour: true },
  E_BAD_SIGNATURE: { summary: 'the author signature does not verify (tampered header, nonce or ciphertext)', recovery: 'drop it and report relay misbehaviour; never decrypt or apply it', relayMisbehaviour: true },
  E_UNKNOWN_AUTHOR: { summary: 'the author is not a member allowed to write this document (forged author)', recovery: 'drop it; if the member list is still syncing, retry once it has synced, else report relay misbehaviour', relayMisbehaviour: true },
  E_REPLAY: { summary: 'an author counter was seen before (replayed entry)', recovery: 'drop the duplicate; the earlier copy is already applied', relayMisbehaviour: true },
  E_COUNTER_GAP: { summary: 'an author counter skips ahead (an earlier entry is missing so far)', recovery: 'hold the entry until the gap fills; report E_WITHHELD if it does not fill once caught up' },
  E_WITHHELD: { summary: 'a counter gap did not fill after catch-up (the relay withheld an entry)', recovery: 'keep the held entries unapplied, resubscribe from the last contiguous cursor, report relay misbehaviour', relayMisbehaviour: true },
  E_UNKNOWN_EPOCH: { summary: 'no key is held for the envelope key epoch', recovery: 'keep the envelope; fetch the lockbox for that epoch, then open it again; if this device was revoked, it cannot' },
  E_DECRYPT_FAILED: { summary: 'the ciphertext does not authenticate under the document key (wrong key or corrupted)', recovery: 'drop it and report; if the key may be stale, refresh lockboxes and retry once', relayMisbehaviour: true },
  E_DECODE_FAILED: { summary: 'the decrypted payload is not a valid update for this document', recovery: 'drop it; the author wrote garbage with a valid key: report the author' },

  // relay behaviour seen by a peer
  E_ROLLBACK: { summary: 'the relay history is shorter than what it acknowledged before (rolled back)', recovery: 'stop trusting this relay for the document, keep the local state, re-upload the outbox and report', relayMisbehaviour: true },
  E_REORDER: { summary: 'the relay delivered sequence numbers out of order', recovery: 'drop the connection and resubscribe from the last contiguous cursor', relayMisbehaviour: true },

  // keys, lockboxes, invites
  E_LOCKBOX_OPEN_FAILED: { summary: 'a lockbox does not open with this device key', recovery: 'the lockbox is for another device or corrupted; ask an admin device to re-seal' },
  E_KEY_MISSING: { summary: 'this device holds no key for the document', recovery: 'request access from a device that has it' },
  E_INVITE_INVALID: { summary: 'the invite link or token is malformed or its signature does not verify', recovery: 'ask for a new invite link' },
  E_INVITE_EXPIRED: { summary: 'the invite expired', recovery: 'ask for a new invite link' },
  E_INVITE_USED: { summary: 'the invite was already used (invites are one-time)', recovery: 'ask for a new invite link' },
  E_INVITE_SCOPE: { summary: 'the action is outside what the invite or role grants', recovery: 'ask an admin for an invite with the needed role' },
  E_GUEST_LINK_INVALID: { summary: 'the guest link is malformed (its fragment must hold the link id, the owner key and the secret)', recovery: 'ask the owner for the link again; copy it whole, with the part after #' },
  E_GUEST_CODE: { summary: 'the guest access code is wrong, or too many wrong codes were tried for this link or from this address', recovery: 'check the code with the owner; after repeated wrong codes wait the delay in the error before trying again' },
  E_GUEST_ENDED: { summary: 'the owner ended this guest link or this visitor, or the link expired', recovery: 'ask the owner for a new link; nothing more is accepted under this one' },
  E_GUEST_LIMIT: { summary: 'a guest limit was reached: messages per minute or tokens per day for this visitor, or visitors or messages for the whole link', recovery: 'wait the delay in the error (or until the next day) and send again; the owner can raise the limits' },
  E_PASSPHRASE: { summary: 'the passphrase does not open the backup or lock', recovery: 'try again with the right passphrase; nothing was changed' },
  E_PAIRING_REJECTED: { summary: 'the inviting device rejected the pairing (the codes did not match, or it was cancelled)', recovery: 'no keys were released; compare the codes and ask for a new invite link' },
  E_BACKUP_CORRUPT: { summary: 'a backup chunk or manifest is missing, altered or does not match its checksum', recovery: 'nothing was restored; pick another restore point (an older one shares fewer chunks) and report the relay' },

  // wire frames
  E_FRAME_MALFORMED: { summary: 'a frame does not parse', recovery: 'the receiver answers with an error frame and closes; the sender must not resend the same bytes' },
  E_FRAME_TOO_LARGE: { summary: 'a frame exceeds the maximum frame size', recovery: 'split the update or upload a snapshot; the connection is closed' },
  E_FRAME_UNKNOWN: { summary: 'a frame type is unknown to the receiver', recovery: 'the receiver answers with an error frame; upgrade the older side' },
  E_PROTOCOL_VERSION: { summary: 'the peers speak no common protocol version', recovery: 'upgrade the older side' },

  // relay access and limits (carried in error frames)
  E_AUTH_REQUIRED: { summary: 'a frame arrived before the hello handshake completed', recovery: 'send hello first' },
  E_AUTH_FAILED: { summary: 'a device or capability proof did not verify', recovery: 'check the keys; do not retry with the same proof' },
  E_FORBIDDEN: { summary: 'the capability presented does not allow this action (write with a read capability)', recovery: 'obtain a write capability; the frame was not stored' },
  E_REVOKED: { summary: 'this device was revoked by a workspace admin', recovery: 'stop; the device must be invited again' },
  E_ACCESS_CODE: { summary: 'the relay requires an access code to create a workspace', recovery: 'ask the relay operator for the access code' },
  E_UNKNOWN_DOC: { summary: 'the relay has no such document and no create request came with the subscribe', recovery: 'create the document with its capability keys first' },
  E_DOC_EXISTS: {
    summary: 'a create request named a document that exists with other capability keys',
    recovery: 'an admin device takes the document back by itself when it syncs (an admin-signed SetCaps with its keys); on another device, sync an admin device, then this one; a device whose keys are out of date (offline through many revocations) needs a new invite',
  },
  E_RATE_LIMITED: { summary: 'too many frames per second on this connection', recovery: 'back off and resend after the delay in the error frame' },
  E_TOO_MANY_CONNECTIONS: { summary: 'too many connections: from this address before their hello, of this device or workspace, or the relay is busy', recovery: 'close idle connections and retry later with backoff' },
  E_TOO_MANY_DOCS: { summary: 'too many documents subscribed on this connection (or by this workspace on this relay process)', recovery: 'unsubscribe some (close documents not in use); another connection helps only against the per-connection cap' },
  E_ORIGIN: { summary: 'the WebSocket Origin is not allowed by this relay', recovery: 'serve the app from an allowed origin' },
  E_AUTH_TIMEOUT: { summary: 'the hello handshake did not complete in time', recovery: 'reconnect and send hello promptly' },
  E_SLOW_CONSUMER: { summary: 'the peer did not read fast enough and its buffer cap was reached', recovery: 'reconnect and resume from the last cursor; nothing is lost' },
  E_SHUTTING_DOWN: { summary: 'the relay is shutting down', recovery: 'reconnect with backoff; acknowledged entries are safe' },
  E_STORE_FAILED: { summary: 'the relay could not commit the entry', recovery: 'the entry was not acknowledged; resend it later' },
  E_SNAPSHOT_REJECTED: { summary: 'the relay refused a snapshot (stale cursor or no write capability)', recovery: 'make a new snapshot from the current head' },
  E_UNKNOWN_WORKSPACE: { summary: 'the relay has no such workspace and the hello did not register it', recovery: 'register the workspace from its first device (hello with register), or check the workspace id' },
  E_CAPS_CHANGED: {
    summary: "an admin replaced the document's capability keys, ending subscriptions made with the old ones",
    recovery: 'resubscribe with the current capability; a remaining member still holding the replaced keys subscribes to read with them until it adopts the new keys sealed to it; other devices lost access',
  },
  E_NOT_MEMBER: {
    summary: 'this device is not a member of the workspace at the relay: it may not store anything there (documents, entries, snapshots, blobs)',
    recovery: 'join with an invite (it enrols the device), or have an admin device enrol it; an admin restored on a new device is vouched for by the backed-up admin',
  },
  E_QUOTA_EXCEEDED: {
    summary: 'the workspace is at a relay quota: documents registered, bytes stored (entries, snapshots, blobs) or blobs held',
    recovery: 'nothing was stored; free space (snapshots let the relay prune the entries they cover; blobs expire or are taken) or ask the operator to raise the limit',
  },
  E_REGISTRATION_LIMIT: {
    summary: 'the relay registers no more workspaces: too many from this address within the window, or its total is reached',
    recovery: 'retry later, or use a workspace that exists; the operator sets --max-registrations-per-ip, --registration-window-ms and --max-workspaces',
  },
  E_CAPS_RETIRED: {
    summary: 'a SetCaps named capability keys the document had before and that were replaced: replaced keys never come back',
    recovery: "the signing admin holds stale keys: let it adopt the current ones (sync the index first), then retry; nothing changed on the relay",
  },
  E_PRESENCE_TOO_LARGE: { summary: 'a presence payload exceeds the relay presence size cap', recovery: 'send a smaller presence state; the frame was dropped' },
  E_STREAM_TOO_LARGE: { summary: 'a stream payload exceeds the relay stream size cap', recovery: 'send smaller batches; the frame was dropped' },
  E_BLOB_NOT_FOUND: { summary: 'the relay holds no blob with this id in the workspace', recovery: 'upload it again from a device that has it, or drop the reference; nothing was changed' },
  E_BLOB_HASH: { summary: 'the uploaded bytes do not hash (SHA-256) to the blob id they were sent under', recovery: 'nothing was stored; compute the id over the exact bytes sent and upload again from offset 0' },
  E_BLOB_TOO_LARGE: { summary: 'the blob exceeds the relay per-blob size cap (--max-stored-blob-bytes)', recovery: 'nothing was stored; split the data into smaller blobs (backups chunk) or send a smaller file' },
  E_COUNTER_CONFLICT: { summary: 'the relay holds different bytes under this author and counter (one counter used twice)', recovery: 'the entry was NOT stored; the device must stop writing from two places at once and seal the change again under a new counter' },

  // documents and schema
  E_SCHEMA_VERSION: { summary: 'a document was written by a newer schema version', recovery: 'read what is understood, write nothing; upgrade this peer' },
  E_OFFLINE: { summary: 'the relay cannot be reached', recovery: 'changes stay queued in the outbox and are sent on reconnect' },
  E_TIMEOUT: { summary: 'an operation did not finish before its deadline', recovery: 'retry; nothing partial was applied' },
  E_HOME_IN_USE: { summary: 'another tendril process holds this device home (one writer per home)', recovery: 'wait for the other command to finish, or stop it, then run the command again; nothing was changed' },

  // language model providers: adapters used by workers
  E_PROVIDER_AUTH: { summary: 'the model provider refused the API key (401/403), or no key was given', recovery: 'check the key in the provider settings; not retried' },
  E_PROVIDER_RATE_LIMITED: { summary: 'the model provider answered 429 (rate limit or quota at the provider)', recovery: 'retried with backoff honouring Retry-After before any output; if it persists, wait or configure a fallback provider' },
  E_PROVIDER_UNAVAILABLE: { summary: 'the model provider failed (5xx, overloaded) or could not be reached', recovery: 'retried with backoff before any output, then the next provider of the fallback chain is tried; a worker then gives the turn back and tries it again later, a bounded number of times, before it ends as failed' },
  E_PROVIDER_HTTP: { summary: 'the model provider rejected the request (a 4xx other than auth and rate limit)', recovery: 'fix the request (model name, parameters, context size); not retried' },
  E_PROVIDER_TIMEOUT: { summary: 'the model provider sent no first byte, or went idle mid-stream, past its deadline', recovery: 'the next provider of the fallback chain is tried when no output had started; otherwise the partial answer is kept and the user may resend' },
  E_PROVIDER_STREAM: { summary: 'the model stream carried an error event, did not parse, or ended early', recovery: 'keep the partial answer and resend; retried automatically only when no output had started' },
  E_ABORTED: { summary: 'the model request was stopped by the caller (Stop)', recovery: 'nothing to do; the partial answer is kept' },
  E_CONTEXT_TOO_LARGE: { summary: 'the system prompt and the newest turn alone exceed the model context window', recovery: 'shorten the message or pick a model with a larger context window; a worker ends the turn as failed at once (the reply gives the estimate and the window) and does not retry it' },

  // LLM proxy on the relay
  E_PROXY_DISABLED: { summary: 'the relay operator switched the proxy off for this provider (kill switch)', recovery: 'call the provider directly or use another provider; retry later' },
  E_PROXY_RATE_LIMITED: { summary: 'too many proxied model requests from this device or its workspace', recovery: 'wait for the Retry-After delay, then resend' },
  E_QUOTA: { summary: 'the daily token quota of this device or its workspace on the proxy is used up', recovery: 'wait for the Retry-After delay (the next UTC day) or call the provider directly' },
  E_BODY_TOO_LARGE: { summary: 'the request body exceeds the proxy body cap', recovery: 'trim the history (compact the context) and resend' },
  E_PROXY_PROOF: { summary: 'a proxy request carries no x-tendril-proof header, or one that does not parse', recovery: 'sign the request with a member device key (crdt-schema wire/proxy-proof.ts); only members of a workspace on this relay may use its proxy' },
  E_PROXY_PROOF_STALE: { summary: 'the proxy proof time is outside the window the relay accepts (60 s either way)', recovery: 'check the device clock, then sign the request again' },
  E_PROXY_REPLAY: { summary: 'the proxy proof was already used (its nonce was seen)', recovery: 'sign each request afresh; never resend a signed request as is' },
  E_PROXY_CONCURRENCY: { summary: 'this device or its workspace already has its maximum number of proxied requests in flight', recovery: 'wait for a running request to end (Retry-After), then resend' },
  E_PROXY_DEADLINE: { summary: 'the proxied request ran past its total deadline (120 s streaming, 30 s otherwise by default)', recovery: 'keep the partial answer; ask for a shorter answer or continue in a new request' },
  E_PROXY_FETCH_BLOCKED: { summary: 'the relay refused to fetch this URL: its host is, or resolves to, a loopback, private, link-local or other non-public address, or the port is not 80/443', recovery: 'fetch public http(s) sites only; run a worker to reach hosts on your own network' },
  E_PROXY_FETCH_TYPE: { summary: 'the page the relay fetched is not text or HTML (its content type), so it was not passed on', recovery: 'fetch a text, HTML, JSON or XML page; other content is not fetched through the relay' },

  // terminal sessions on a gateway
  E_SESSION_LIMIT: { summary: 'the gateway already runs its maximum number of terminal sessions', recovery: 'end a session (or raise the gateway session cap) and ask again; nothing was started' },
  E_UNKNOWN_SESSION: { summary: 'no terminal session with this id runs on the gateway', recovery: 'list the sessions again; the session ended or ran on another gateway' },
  E_SESSION_ENDED: { summary: 'the terminal session has ended', recovery: 'start a new session; the ended one keeps its scrollback in its document' },
  E_SPAWN_FAILED: { summary: 'the shell (or tmux) could not be started or attached', recovery: 'check the shell path, working directory and tmux install on the gateway; nothing is running' },
  E_FILE_EXISTS: { summary: 'the target file exists and overwriting it was not allowed', recovery: 'choose another name, or ask again allowing overwrite' },
  E_PATH_OUTSIDE: { summary: 'the path leaves the session working directory (absolute, .. or a symlink pointing out)', recovery: 'use a relative path that stays inside the working directory; nothing was read or written' },
  E_FILE_TOO_LARGE: { summary: 'the file exceeds the transfer size limit (20 MB)', recovery: 'split or compress the file, or move it another way; nothing was written' },
  E_TRANSFER_CANCELLED: { summary: 'the file transfer was cancelled', recovery: 'start it again; a partial upload was removed' },
} as const satisfies Record<string, ErrorInfo>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, code);
}

/** The one error class: a stable code, a message, an optional cause. */
export class TendrilError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERRORS[code].summary, options);
    this.name = 'TendrilError';
    this.code = code;
  }
  get recovery(): string {
    return ERRORS[this.code].recovery;
  }
  get relayMisbehaviour(): boolean {
    return (ERRORS[this.code] as ErrorInfo).relayMisbehaviour === true;
  }
}

export function isTendrilError(e: unknown, code?: ErrorCode): e is TendrilError {
  return e instanceof TendrilError && (code === undefined || e.code === code);
}
