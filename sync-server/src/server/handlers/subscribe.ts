/**
 * Subscribe and Unsubscribe. A subscribe proves a read or write capability
 * for the document by signing this connection's challenge; `create` registers
 * the document in the connection's workspace first (proof under its writeKey;
 * a no-op when it exists with the same keys). Writing and registering need a
 * member device (membership.ts). Then Subscribed, catch-up, live. An admitted
 * visitor (GuestHello) may follow its own conversation and nothing else.
 */
import type { DocId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType, subscribeProofBytes, type SubscribeFrame, type UnsubscribeFrame } from '@tendril/crdt-schema/wire';
import { bytesEqual } from '../../store/bytes.ts';
import type { DocState } from '../../store/types.ts';
import type { Connection } from '../connection.ts';
import { capKeysFor, isRetiredFor } from './cap-keys.ts';
import { requireMember } from './membership.ts';
import type { RelayContext } from '../context.ts';
import { sharedKey } from '../shared-keys.ts';
import { Subscription } from '../subscription.ts';

/** The key the proof verified under, or undefined. A write key also proves read access. */
function provenKey(ctx: RelayContext, conn: Connection, f: SubscribeFrame, doc: DocState): Uint8Array | undefined {
  const message = subscribeProofBytes(conn.nonce, f.doc, f.mode);
  return capKeysFor(doc, f.mode, conn.identity!.deviceKey).find((key) => ctx.verifier.verify(key, message, f.proof));
}

/** Refuses (E_TOO_MANY_DOCS) when the connection or its workspace already follows as many documents as allowed. */
function overCap(ctx: RelayContext, conn: Connection, refuse: (code: 'E_TOO_MANY_DOCS', detail: string) => void): boolean {
  const { maxDocsPerConnection, maxSubscriptionsPerWorkspace } = ctx.limits;
  if (conn.subs.size >= maxDocsPerConnection) {
    refuse('E_TOO_MANY_DOCS', `at most ${maxDocsPerConnection} per connection`);
    return true;
  }
  if (ctx.subscriptionsOfWorkspace(conn.identity!.workspace) >= maxSubscriptionsPerWorkspace) {
    refuse('E_TOO_MANY_DOCS', `at most ${maxSubscriptionsPerWorkspace} subscriptions per workspace on this relay`);
    return true;
  }
  return false;
}

export async function handleSubscribe(ctx: RelayContext, conn: Connection, f: SubscribeFrame): Promise<void> {
  const identity = conn.identity!;
  const refuse = (code: Parameters<Connection['error']>[0], detail?: string): void => conn.error(code, { doc: f.doc, detail });
  conn.subs.get(f.doc)?.end();
  conn.subs.delete(f.doc);
  if (overCap(ctx, conn, refuse)) return;
  if (conn.guest) return subscribeGuest(ctx, conn, f);

  // Writing stores: only a member may hold a write subscription or register a document.
  if ((f.mode === CapMode.Write || f.create) && !(await requireMember(ctx, conn, { doc: f.doc, what: 'writing or registering a document' }))) return;
  let doc = await ctx.store.getDoc(f.doc);
  if (f.create) {
    const { writeKey, readKey } = f.create;
    const sameKeys = (d: DocState): boolean =>
      d.workspace === identity.workspace && bytesEqual(d.writeKey, writeKey) && bytesEqual(d.readKey, readKey);
    // Keys an admin replaced: the device reads with them (Read mode) until it holds the new ones.
    if (doc && !sameKeys(doc) && isRetiredFor(doc, f.create, identity.deviceKey)) return refuse('E_CAPS_CHANGED', 'these keys were replaced: subscribe to read with them');
    if (doc && !sameKeys(doc)) return refuse('E_DOC_EXISTS');
    if (!doc) {
      if (!ctx.verifier.verify(writeKey, subscribeProofBytes(conn.nonce, f.doc, f.mode), f.proof)) {
        return refuse('E_AUTH_FAILED', 'a create must be signed by the new write key');
      }
      if (ctx.usage.exceeds(await ctx.usage.current(identity.workspace), { docs: 1 })) {
        return refuse('E_QUOTA_EXCEEDED', `a workspace registers at most ${ctx.limits.maxDocsPerWorkspace} documents`);
      }
      doc = await ctx.store.createDoc({ doc: f.doc, workspace: identity.workspace, writeKey, readKey });
      ctx.usage.add(identity.workspace, { docs: 1 });
      if (!sameKeys(doc)) return refuse('E_DOC_EXISTS');
      ctx.logger.info('doc.created', { doc: f.doc, workspace: identity.workspace });
    }
  }
  if (!doc || doc.workspace !== identity.workspace) return refuse('E_UNKNOWN_DOC');
  const capKey = provenKey(ctx, conn, f, doc);
  if (!capKey) return refuse('E_AUTH_FAILED', 'the subscribe proof does not verify under the capability');
  if (!conn.open) return;
  if (overCap(ctx, conn, refuse)) return;

  // A cursor past the head (the relay lost data, or the peer is confused) resumes from the head,
  // so new entries still reach it; the peer sees head < cursor in Subscribed and reports it.
  const cursor = Math.min(f.cursor, doc.head);
  const sub = new Subscription(conn, f.doc, f.mode, sharedKey(capKey), cursor, doc.snapshotSeq, ctx.subscriptionDeps);
  conn.subs.set(sub);
  conn.send({ type: FrameType.Subscribed, doc: f.doc, mode: f.mode, head: doc.head, snapshotSeq: doc.snapshotSeq });
  sub.start(doc.head);
}

/**
 * A visitor follows its own conversation only, created at its admission: the proof is by the
 * visitor's key (the admission bound the key to this document), never by a capability.
 */
async function subscribeGuest(ctx: RelayContext, conn: Connection, f: SubscribeFrame): Promise<void> {
  const session = conn.guest!;
  const refuse = (code: Parameters<Connection['error']>[0], detail: string): void => conn.error(code, { doc: f.doc, detail });
  if (f.doc !== session.doc || f.create) return refuse('E_FORBIDDEN', 'a visitor may only follow its own conversation');
  if (!ctx.verifier.verify(session.visitorKey, subscribeProofBytes(conn.nonce, f.doc, f.mode), f.proof)) {
    return refuse('E_AUTH_FAILED', 'the subscribe proof does not verify under the visitor key');
  }
  const doc = await ctx.store.getDoc(f.doc);
  if (!doc) return refuse('E_UNKNOWN_DOC', 'the conversation is gone');
  if (!conn.open) return;
  if (overCap(ctx, conn, refuse)) return;
  const cursor = Math.min(f.cursor, doc.head);
  const sub = new Subscription(conn, f.doc, f.mode, session.visitorKey, cursor, doc.snapshotSeq, ctx.subscriptionDeps);
  conn.subs.set(sub);
  conn.send({ type: FrameType.Subscribed, doc: f.doc, mode: f.mode, head: doc.head, snapshotSeq: doc.snapshotSeq });
  sub.start(doc.head);
}

export function handleUnsubscribe(_ctx: RelayContext, conn: Connection, f: UnsubscribeFrame): void {
  endSubscription(conn, f.doc);
}

export function endSubscription(conn: Connection, doc: DocId): void {
  conn.subs.get(doc)?.end();
  conn.subs.delete(doc);
}
