/**
 * Protocol transcripts for tests: a one-line rendering of each frame, stable
 * across runs (no nonces, proofs, clocks or payload bytes, only sizes), and a
 * recorder that keeps the raw bytes of every relay-bound frame so a test can
 * assert that nothing the relay receives contains a plaintext canary.
 *
 *   alice -> relay | ENVELOPE doc=Ab12cd ref=3 bytes=412
 */
import { CapMode, FrameType } from './frames.ts';
import type { Frame, FrameTypeName } from './frames.ts';
import { decodeFrame, encodeFrame } from './codec.ts';

const NAMES = new Map<number, string>(
  (Object.entries(FrameType) as [FrameTypeName, number][]).map(([name, tag]) => [
    tag,
    name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase(),
  ]),
);

/** Ids and keys shortened to their first 6 characters, enough to tell them apart in a test. */
const short = (id: string): string => (id === '' ? '-' : id.slice(0, 6));
/** A blob id (32 bytes) as its first 6 hex digits. */
const blobId = (id: Uint8Array): string => Array.from(id.subarray(0, 3), (b) => b.toString(16).padStart(2, '0')).join('');
const mode = (m: CapMode): string => (m === CapMode.Write ? 'write' : 'read');

function fields(f: Frame): string {
  switch (f.type) {
    case FrameType.Challenge:
      return `version=${f.version}`;
    case FrameType.Hello:
      return `version=${f.version} ws=${short(f.workspace)} device=${short(f.device)} client=${JSON.stringify(f.client)}` +
        (f.accessCode === '' ? '' : ' access=set') +
        (f.register === undefined ? '' : ` register admins=${f.register.admins.length}`);
    case FrameType.Welcome:
      return `version=${f.version} maxFrameBytes=${f.maxFrameBytes} address=${f.address}`;
    case FrameType.Subscribe:
      return `doc=${short(f.doc)} cursor=${f.cursor} mode=${mode(f.mode)}${f.create === undefined ? '' : ' create'}`;
    case FrameType.Subscribed:
      return `doc=${short(f.doc)} mode=${mode(f.mode)} head=${f.head} snapshotSeq=${f.snapshotSeq}`;
    case FrameType.Envelope:
      return `doc=${short(f.doc)} ref=${f.ref} bytes=${f.envelope.length}`;
    case FrameType.Ack:
      return `doc=${short(f.doc)} ref=${f.ref} seq=${f.seq}`;
    case FrameType.Entry:
      return `doc=${short(f.doc)} seq=${f.seq} bytes=${f.envelope.length}`;
    case FrameType.CaughtUp:
      return `doc=${short(f.doc)} head=${f.head}`;
    case FrameType.SnapshotPut:
      return `doc=${short(f.doc)} ref=${f.ref} seq=${f.seq} bytes=${f.envelope.length}`;
    case FrameType.Snapshot:
      return `doc=${short(f.doc)} seq=${f.seq} bytes=${f.envelope.length}`;
    case FrameType.SnapshotStored:
      return `doc=${short(f.doc)} seq=${f.seq}`;
    case FrameType.Presence:
      return `doc=${short(f.doc)} from=${short(f.from)} bytes=${f.payload.length}`;
    case FrameType.Stream:
      return `doc=${short(f.doc)} from=${short(f.from)}${f.to ? ` to=${short(f.to)}` : ''} bytes=${f.payload.length}`;
    case FrameType.Error:
      return `${f.code} doc=${short(f.doc)} ref=${f.ref}` +
        (f.retryAfterMs === 0 ? '' : ` retryAfterMs=${f.retryAfterMs}`) + (f.fatal ? ' fatal' : '');
    case FrameType.Unsubscribe:
      return `doc=${short(f.doc)}`;
    case FrameType.Revoke:
      return `ws=${short(f.workspace)} device=${short(f.device)} admin=${short(f.admin)}`;
    case FrameType.SetCaps:
      return `doc=${short(f.doc)} ref=${f.ref} readers=${f.readers.length} admin=${short(f.admin)}`;
    case FrameType.BlobPut:
      return `ref=${f.ref} key=${short(f.key)} ttlSeconds=${f.ttlSeconds} bytes=${f.data.length}`;
    case FrameType.BlobTake:
      return `ref=${f.ref} key=${short(f.key)}`;
    case FrameType.Blob:
      return `ref=${f.ref} found=${f.found} bytes=${f.data.length}`;
    case FrameType.Enrol:
      return `ws=${short(f.workspace)} signer=${short(f.signer)} token=${f.token.length}`;
    case FrameType.AddAdmin:
      return `ws=${short(f.workspace)} admin=${short(f.admin)}`;
    case FrameType.GuestLink:
      return `ref=${f.ref} link=${short(f.link)} maxVisitors=${f.maxVisitors} visitorPerMinute=${f.visitorPerMinute} linkPerMinute=${f.linkPerMinute}`;
    case FrameType.GuestHello:
      return `version=${f.version} link=${short(f.link)} visitor=${short(f.visitor)} client=${JSON.stringify(f.client)}` +
        (f.code === '' ? '' : ' code=set') + (f.keyBox.length === 0 ? '' : ` keyBox=${f.keyBox.length}`);
    case FrameType.GuestWatch:
      return `ref=${f.ref} link=${short(f.link)}${f.answering ? ' answering' : ''}`;
    case FrameType.GuestEnd:
      return `ref=${f.ref} link=${short(f.link)} ${f.visitor.length === 0 ? 'whole link' : 'one visitor'}`;
    case FrameType.GuestState:
      return `ref=${f.ref} link=${short(f.link)} visitors=${f.visitors.length}${f.endedAt === 0 ? '' : ' ended'}`;
    case FrameType.BlobWrite:
      return `ref=${f.ref} id=${blobId(f.id)} kind=${f.kind} size=${f.size} offset=${f.offset} bytes=${f.data.length}`;
    case FrameType.BlobWritten:
      return `ref=${f.ref} id=${blobId(f.id)} received=${f.received}${f.stored ? ' stored' : ''}`;
    case FrameType.BlobRead:
      return `ref=${f.ref} id=${blobId(f.id)} offset=${f.offset} length=${f.length}`;
    case FrameType.BlobData:
      return `ref=${f.ref} id=${blobId(f.id)} kind=${f.kind} size=${f.size} offset=${f.offset} bytes=${f.data.length}`;
    case FrameType.BlobHas:
      return `ref=${f.ref} ids=${f.ids.length}`;
    case FrameType.BlobHave:
      return `ref=${f.ref} present=${f.present.filter(Boolean).length}/${f.present.length}`;
    case FrameType.BlobList:
      return `ref=${f.ref} kind=${f.kind}${f.after.length === 0 ? '' : ` after=${blobId(f.after)}`} limit=${f.limit}`;
    case FrameType.BlobListing:
      return `ref=${f.ref} items=${f.items.length}${f.more ? ' more' : ''}`;
    case FrameType.BlobDelete:
      return `ref=${f.ref} id=${blobId(f.id)}`;
    case FrameType.BlobDeleted:
      return `ref=${f.ref} id=${blobId(f.id)}${f.existed ? '' : ' absent'}`;
    case FrameType.GuestPresence:
      return `link=${short(f.link)} ${f.answering ? 'answering' : 'away'}`;
    case FrameType.Locate:
      return `version=${f.version} key=${blobId(f.key)}`;
    case FrameType.Located:
      return `workspaces=${f.workspaces.length}`;
  }
}

/** One readable line for a frame, e.g. `ENVELOPE doc=Ab12cd ref=3 bytes=412`. */
export function describeFrame(frame: Frame): string {
  return `${NAMES.get(frame.type) ?? `TYPE_${String(frame.type)}`} ${fields(frame)}`;
}

/** True when `needle` occurs in `haystack` as a contiguous byte run. */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Records frames between named parties. Frames sent to the relay (by default the
 * party named "relay") keep their raw bytes for plaintext-leak assertions.
 */
export class Transcript {
  readonly #lines: string[] = [];
  readonly #relayBound: Uint8Array[] = [];
  readonly #relay: string;

  constructor(relay = 'relay') {
    this.#relay = relay;
  }

  /**
   * Adds one line. Pass the frame or the exact bytes sent; bytes are decoded
   * for the line and kept as sent, a frame is encoded to get its bytes.
   */
  record(from: string, to: string, frame: Frame | Uint8Array): string {
    const bytes = frame instanceof Uint8Array ? frame : encodeFrame(frame);
    const decoded = frame instanceof Uint8Array ? decodeFrame(frame) : frame;
    const line = `${from} -> ${to} | ${describeFrame(decoded)}`;
    this.#lines.push(line);
    if (to === this.#relay) this.#relayBound.push(bytes);
    return line;
  }

  lines(): string[] {
    return [...this.#lines];
  }

  toString(): string {
    return this.#lines.join('\n');
  }

  /** The raw bytes of every frame sent to the relay, in order. */
  relayBound(): Uint8Array[] {
    return [...this.#relayBound];
  }

  /** True when any relay-bound frame contains the canary (text as UTF-8, or raw bytes). */
  relaySaw(canary: string | Uint8Array): boolean {
    const needle = typeof canary === 'string' ? new TextEncoder().encode(canary) : canary;
    return this.#relayBound.some((bytes) => containsBytes(bytes, needle));
  }
}
