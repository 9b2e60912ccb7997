/**
 * Transcript lines are stable, readable snapshots of a session, and the
 * recorder keeps exactly the bytes that went to the relay for leak checks.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceId, DocId, GuestLinkId, WorkspaceId } from '../ids.ts';
import { encodeFrame } from './codec.ts';
import { BlobKind, CapMode, FrameType } from './frames.ts';
import type { Frame } from './frames.ts';
import { containsBytes, describeFrame, Transcript } from './transcript.ts';

const DOC = 'Ab12cdEf34ghIj56klMn78' as DocId;
const WS = 'Zy98xwVu76tsRq54poNm32' as WorkspaceId;
const ALICE = 'AL1CEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaA' as DeviceId;
const BOB = 'B0BbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbA' as DeviceId;
const LINK = 'Gu35tL1nkaaaaaaaaaaaaa' as GuestLinkId;
const sig = new Uint8Array(64);
const key = new Uint8Array(32);
const blob = Uint8Array.from({ length: 32 }, (_, i) => [0xab, 0x12, 0xcd][i] ?? i);

const session: [string, string, Frame][] = [
  ['relay', 'alice', { type: FrameType.Challenge, version: 1, nonce: key }],
  ['alice', 'relay', { type: FrameType.Hello, version: 1, workspace: WS, device: ALICE, proof: sig, client: 'tendril-cli/0.1', accessCode: 'x', register: { admins: [key] } }],
  ['relay', 'alice', { type: FrameType.Welcome, version: 1, serverTime: 1_700_000_000_000, maxFrameBytes: 1_049_600, address: '203.0.113.7' }],
  ['alice', 'relay', { type: FrameType.Subscribe, doc: DOC, cursor: 0, mode: CapMode.Write, proof: sig, create: { writeKey: key, readKey: key } }],
  ['relay', 'alice', { type: FrameType.Subscribed, doc: DOC, mode: CapMode.Write, head: 0, snapshotSeq: 0 }],
  ['relay', 'alice', { type: FrameType.Snapshot, doc: DOC, seq: 2, envelope: new Uint8Array(900) }],
  ['relay', 'alice', { type: FrameType.Entry, doc: DOC, seq: 3, envelope: new Uint8Array(412) }],
  ['relay', 'alice', { type: FrameType.CaughtUp, doc: DOC, head: 3 }],
  ['alice', 'relay', { type: FrameType.Envelope, doc: DOC, ref: 3, envelope: new TextEncoder().encode('sealed bytes') }],
  ['relay', 'alice', { type: FrameType.Ack, doc: DOC, ref: 3, seq: 4 }],
  ['alice', 'relay', { type: FrameType.SnapshotPut, doc: DOC, ref: 4, seq: 4, envelope: new Uint8Array(950) }],
  ['relay', 'bob', { type: FrameType.SnapshotStored, doc: DOC, seq: 4 }],
  ['alice', 'relay', { type: FrameType.Presence, doc: DOC, from: ALICE, payload: new Uint8Array(40) }],
  ['relay', 'bob', { type: FrameType.Presence, doc: DOC, from: ALICE, payload: new Uint8Array(40) }],
  ['gateway', 'relay', { type: FrameType.Stream, doc: DOC, from: ALICE, to: '', payload: new Uint8Array(64) }],
  ['alice', 'relay', { type: FrameType.Unsubscribe, doc: DOC }],
  ['alice', 'relay', { type: FrameType.Revoke, workspace: WS, device: BOB, at: 1_700_000_000_000, admin: ALICE, signature: sig }],
  ['alice', 'relay', { type: FrameType.SetCaps, doc: DOC, ref: 5, writeKey: key, readKey: key, readers: [key], admin: ALICE, proof: sig }],
  ['alice', 'relay', { type: FrameType.AddAdmin, workspace: WS, key, admin: ALICE, signature: sig }],
  ['bob', 'relay', { type: FrameType.Enrol, workspace: WS, device: key, signer: ALICE, token: new Uint8Array(120), signature: sig }],
  ['alice', 'relay', { type: FrameType.BlobPut, ref: 6, key: 'inv1tekey-123', ttlSeconds: 600, data: new Uint8Array(80) }],
  ['relay', 'alice', { type: FrameType.Blob, ref: 6, found: true, data: new Uint8Array(0) }],
  ['bob', 'relay', { type: FrameType.BlobTake, ref: 1, key: 'inv1tekey-123' }],
  ['alice', 'relay', { type: FrameType.GuestLink, ref: 7, link: LINK, capKey: key, codeVerifier: key, expiresAt: 0, maxVisitors: 50, visitorPerMinute: 10, linkPerMinute: 100, proof: sig }],
  ['visitor', 'relay', { type: FrameType.GuestHello, version: 1, link: LINK, visitor: BOB, proof: sig, code: '4417', keyBox: new Uint8Array(112), client: 'tendril-guest/0.1' }],
  ['alice', 'relay', { type: FrameType.GuestWatch, ref: 8, link: LINK, proof: sig, answering: true }],
  ['relay', 'alice', { type: FrameType.GuestState, ref: 8, link: LINK, endedAt: 0, visitors: [{ key, keyBox: new Uint8Array(112), admittedAt: 1, endedAt: 0 }] }],
  ['relay', 'visitor', { type: FrameType.GuestPresence, link: LINK, answering: true }],
  ['alice', 'relay', { type: FrameType.GuestEnd, ref: 9, link: LINK, visitor: key, proof: sig }],
  ['alice', 'relay', { type: FrameType.BlobWrite, ref: 10, id: blob, kind: BlobKind.Attachment, size: 3000, offset: 0, data: new Uint8Array(1000) }],
  ['relay', 'alice', { type: FrameType.BlobWritten, ref: 10, id: blob, received: 1000, stored: false }],
  ['bob', 'relay', { type: FrameType.BlobRead, ref: 2, id: blob, offset: 0, length: 65536 }],
  ['relay', 'bob', { type: FrameType.BlobData, ref: 2, id: blob, kind: BlobKind.Attachment, size: 3000, storedAt: 5, offset: 0, data: new Uint8Array(3000) }],
  ['bob', 'relay', { type: FrameType.BlobHas, ref: 3, ids: [blob, blob] }],
  ['relay', 'bob', { type: FrameType.BlobHave, ref: 3, present: [true, false] }],
  ['bob', 'relay', { type: FrameType.BlobList, ref: 4, kind: BlobKind.BackupManifest, after: new Uint8Array(0), limit: 100 }],
  ['relay', 'bob', { type: FrameType.BlobListing, ref: 4, items: [{ id: blob, size: 300, storedAt: 5 }], more: false }],
  ['alice', 'relay', { type: FrameType.BlobDelete, ref: 11, id: blob }],
  ['relay', 'alice', { type: FrameType.BlobDeleted, ref: 11, id: blob, existed: true }],
  ['carol', 'relay', { type: FrameType.Locate, version: 1, key: blob, proof: sig }],
  ['relay', 'carol', { type: FrameType.Located, workspaces: [WS] }],
  ['relay', 'bob', { type: FrameType.Error, code: 'E_RATE_LIMITED', message: 'slow down', doc: '', ref: 1, retryAfterMs: 250, fatal: false }],
  ['relay', 'bob', { type: FrameType.Error, code: 'E_REVOKED', message: 'revoked', doc: DOC, ref: 0, retryAfterMs: 0, fatal: true }],
];

describe('transcript', () => {
  it('renders one readable line per frame', () => {
    const t = new Transcript();
    for (const [from, to, frame] of session) t.record(from, to, frame);
    expect(t.toString()).toBe(
      [
        'relay -> alice | CHALLENGE version=1',
        'alice -> relay | HELLO version=1 ws=Zy98xw device=AL1CEa client="tendril-cli/0.1" access=set register admins=1',
        'relay -> alice | WELCOME version=1 maxFrameBytes=1049600 address=203.0.113.7',
        'alice -> relay | SUBSCRIBE doc=Ab12cd cursor=0 mode=write create',
        'relay -> alice | SUBSCRIBED doc=Ab12cd mode=write head=0 snapshotSeq=0',
        'relay -> alice | SNAPSHOT doc=Ab12cd seq=2 bytes=900',
        'relay -> alice | ENTRY doc=Ab12cd seq=3 bytes=412',
        'relay -> alice | CAUGHT_UP doc=Ab12cd head=3',
        'alice -> relay | ENVELOPE doc=Ab12cd ref=3 bytes=12',
        'relay -> alice | ACK doc=Ab12cd ref=3 seq=4',
        'alice -> relay | SNAPSHOT_PUT doc=Ab12cd ref=4 seq=4 bytes=950',
        'relay -> bob | SNAPSHOT_STORED doc=Ab12cd seq=4',
        'alice -> relay | PRESENCE doc=Ab12cd from=AL1CEa bytes=40',
        'relay -> bob | PRESENCE doc=Ab12cd from=AL1CEa bytes=40',
        'gateway -> relay | STREAM doc=Ab12cd from=AL1CEa bytes=64',
        'alice -> relay | UNSUBSCRIBE doc=Ab12cd',
        'alice -> relay | REVOKE ws=Zy98xw device=B0Bbbb admin=AL1CEa',
        'alice -> relay | SET_CAPS doc=Ab12cd ref=5 readers=1 admin=AL1CEa',
        'alice -> relay | ADD_ADMIN ws=Zy98xw admin=AL1CEa',
        'bob -> relay | ENROL ws=Zy98xw signer=AL1CEa token=120',
        'alice -> relay | BLOB_PUT ref=6 key=inv1te ttlSeconds=600 bytes=80',
        'relay -> alice | BLOB ref=6 found=true bytes=0',
        'bob -> relay | BLOB_TAKE ref=1 key=inv1te',
        'alice -> relay | GUEST_LINK ref=7 link=Gu35tL maxVisitors=50 visitorPerMinute=10 linkPerMinute=100',
        'visitor -> relay | GUEST_HELLO version=1 link=Gu35tL visitor=B0Bbbb client="tendril-guest/0.1" code=set keyBox=112',
        'alice -> relay | GUEST_WATCH ref=8 link=Gu35tL answering',
        'relay -> alice | GUEST_STATE ref=8 link=Gu35tL visitors=1',
        'relay -> visitor | GUEST_PRESENCE link=Gu35tL answering',
        'alice -> relay | GUEST_END ref=9 link=Gu35tL one visitor',
        'alice -> relay | BLOB_WRITE ref=10 id=ab12cd kind=1 size=3000 offset=0 bytes=1000',
        'relay -> alice | BLOB_WRITTEN ref=10 id=ab12cd received=1000',
        'bob -> relay | BLOB_READ ref=2 id=ab12cd offset=0 length=65536',
        'relay -> bob | BLOB_DATA ref=2 id=ab12cd kind=1 size=3000 offset=0 bytes=3000',
        'bob -> relay | BLOB_HAS ref=3 ids=2',
        'relay -> bob | BLOB_HAVE ref=3 present=1/2',
        'bob -> relay | BLOB_LIST ref=4 kind=3 limit=100',
        'relay -> bob | BLOB_LISTING ref=4 items=1',
        'alice -> relay | BLOB_DELETE ref=11 id=ab12cd',
        'relay -> alice | BLOB_DELETED ref=11 id=ab12cd',
        'carol -> relay | LOCATE version=1 key=ab12cd',
        'relay -> carol | LOCATED workspaces=1',
        'relay -> bob | ERROR E_RATE_LIMITED doc=- ref=1 retryAfterMs=250',
        'relay -> bob | ERROR E_REVOKED doc=Ab12cd ref=0 fatal',
      ].join('\n'),
    );
    expect(new Set(session.map(([, , f]) => f.type)).size).toBe(Object.keys(FrameType).length);
  });

  it('keeps the bytes of relay-bound frames only, exactly as sent', () => {
    const t = new Transcript();
    const raw = encodeFrame(session[8]![2]);
    expect(t.record('alice', 'relay', raw)).toBe('alice -> relay | ENVELOPE doc=Ab12cd ref=3 bytes=12');
    t.record('relay', 'alice', session[6]![2]);
    expect(t.relayBound()).toEqual([raw]);
    expect(t.relayBound()[0]).toBe(raw);
  });

  it('finds a plaintext canary in relay-bound bytes and ignores relay-to-peer frames', () => {
    const canary = 'canary-7f3a';
    const leaky: Frame = { type: FrameType.Envelope, doc: DOC, ref: 1, envelope: new TextEncoder().encode(`x${canary}y`) };
    const t = new Transcript();
    t.record('relay', 'alice', { type: FrameType.Entry, doc: DOC, seq: 1, envelope: new TextEncoder().encode(canary) });
    expect(t.relaySaw(canary)).toBe(false);
    t.record('alice', 'relay', leaky);
    expect(t.relaySaw(canary)).toBe(true);
    expect(t.relaySaw(new TextEncoder().encode('canary-7f3b'))).toBe(false);
  });

  it('matches byte runs at every offset', () => {
    const hay = Uint8Array.from([1, 2, 3, 1, 2, 4]);
    expect(containsBytes(hay, Uint8Array.from([1, 2, 4]))).toBe(true);
    expect(containsBytes(hay, Uint8Array.from([2, 4, 5]))).toBe(false);
    expect(containsBytes(hay, new Uint8Array(0))).toBe(true);
  });

  it('describes a frame without recording it', () => {
    expect(describeFrame({ type: FrameType.Envelope, doc: DOC, ref: 3, envelope: new Uint8Array(412) })).toBe(
      'ENVELOPE doc=Ab12cd ref=3 bytes=412',
    );
  });
});
