/** Guest-link helpers for relay tests: an owner's link registration and a visitor's admission. */
import { newGuestLinkId, type GuestLinkId } from '@tendril/crdt-schema/ids';
import {
  CapMode,
  FrameType,
  guestCodeVerifier,
  guestDocId,
  guestEndBytes,
  guestHelloBytes,
  guestLinkBytes,
  guestWatchBytes,
  PROTOCOL_VERSION,
  subscribeProofBytes,
  type ErrorFrame,
  type Frame,
  type GuestLinkFrame,
  type GuestStateFrame,
  type WelcomeFrame,
} from '@tendril/crdt-schema/wire';
import { testKey, type TestKey } from './keys.ts';
import type { TestClient } from './test-client.ts';

export interface TestLink {
  readonly link: GuestLinkId;
  readonly cap: TestKey;
  readonly code: string;
}

export type LinkTerms = Partial<Pick<GuestLinkFrame, 'expiresAt' | 'maxVisitors' | 'visitorPerMinute' | 'linkPerMinute'>>;

let ref = 5000;
const isAnswer = (r: number) => (f: Frame): boolean => (f.type === FrameType.GuestState || f.type === FrameType.Error) && f.ref === r;

/** The GuestLink frame `owner` sends for `t` on its connection. */
export function linkFrame(owner: TestClient, t: TestLink, terms: LinkTerms = {}): GuestLinkFrame {
  const body = {
    ref: ref++, link: t.link, capKey: t.cap.publicKey, codeVerifier: guestCodeVerifier(t.link, t.code),
    expiresAt: terms.expiresAt ?? 0, maxVisitors: terms.maxVisitors ?? 10, visitorPerMinute: terms.visitorPerMinute ?? 30, linkPerMinute: terms.linkPerMinute ?? 300,
  };
  return { type: FrameType.GuestLink, ...body, proof: t.cap.sign(guestLinkBytes(owner.challenge.nonce, body)) };
}

/** Registers a new link through a member's connection and waits for its GuestState. */
export async function registerLink(owner: TestClient, terms: LinkTerms = {}, code = '4417'): Promise<TestLink> {
  const t = { link: newGuestLinkId(), cap: testKey(), code };
  const f = linkFrame(owner, t, terms);
  owner.send(f);
  const answer = await owner.next<GuestStateFrame | ErrorFrame>(isAnswer(f.ref));
  if (answer.type !== FrameType.GuestState) throw new Error(`link refused: ${answer.code}`);
  return t;
}

/** Watches a link (as a runner that answers it when `answering`) and waits for the answer. */
export async function watchLink(owner: TestClient, t: TestLink, answering = false): Promise<GuestStateFrame | ErrorFrame> {
  const r = ref++;
  owner.send({ type: FrameType.GuestWatch, ref: r, link: t.link, proof: t.cap.sign(guestWatchBytes(owner.challenge.nonce, t.link)), answering });
  return owner.next(isAnswer(r));
}

export async function endGuest(owner: TestClient, t: TestLink, visitor?: TestKey, signer = t.cap): Promise<GuestStateFrame | ErrorFrame> {
  const r = ref++;
  const key = visitor?.publicKey ?? new Uint8Array(0);
  owner.send({ type: FrameType.GuestEnd, ref: r, link: t.link, visitor: key, proof: signer.sign(guestEndBytes(owner.challenge.nonce, t.link, key)) });
  return owner.next(isAnswer(r));
}

/** A visitor's GuestHello; resolves with the Welcome or the Error that answered it. */
export async function guestHello(client: TestClient, t: { link: GuestLinkId }, visitor: TestKey, code: string, keyBox = new Uint8Array(112).fill(7)): Promise<WelcomeFrame | ErrorFrame> {
  client.send({
    type: FrameType.GuestHello, version: PROTOCOL_VERSION, link: t.link, visitor: visitor.id,
    proof: visitor.sign(guestHelloBytes(client.challenge.nonce, t.link, visitor.publicKey)), code, keyBox, client: 'relay-test',
  });
  return client.next((f) => f.type === FrameType.Welcome || f.type === FrameType.Error);
}

/** A visitor follows its conversation (write mode, proved by its own key) and waits for the catch-up. */
export async function followConversation(client: TestClient, t: { link: GuestLinkId }, visitor: TestKey) {
  const doc = guestDocId(t.link, visitor.publicKey);
  client.send({ type: FrameType.Subscribe, doc, cursor: 0, mode: CapMode.Write, proof: visitor.sign(subscribeProofBytes(client.challenge.nonce, doc, CapMode.Write)) });
  const answer = await client.next((f) => (f.type === FrameType.Subscribed || f.type === FrameType.Error) && 'doc' in f && f.doc === doc);
  if (answer.type !== FrameType.Subscribed) return { doc, answer, frames: [] as Frame[] };
  return { doc, answer, ...(await client.catchUp(doc)) };
}
