/**
 * The guest frames at the relay. An owner's member device registers a link
 * (GuestLink), follows its visitors (GuestWatch) and ends a visitor or the
 * link (GuestEnd), each signed by the link's capKey. A visitor is admitted by
 * GuestHello: the access code (first visit; slowed after wrong codes,
 * guest-code-gate.ts) or a visitor key the link already admitted. An admitted
 * connection speaks for one document only, its conversation, created here
 * with the link's capKey as its capability, so the owner's devices follow it
 * like any other document and nobody else can. Every refusal of a GuestHello
 * is fatal.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { deviceIdFromPublicKey, fromBase64Url, publicKeyOfDevice, toBase64Url, type GuestLinkId } from '@tendril/crdt-schema/ids';
import {
  FrameType,
  guestCodeVerifier,
  guestDocId,
  guestEndBytes,
  guestHelloBytes,
  guestLinkBytes,
  guestWatchBytes,
  MAX_GUEST_VISITORS,
  PROTOCOL_VERSION,
  type GuestEndFrame,
  type GuestHelloFrame,
  type GuestLinkFrame,
  type GuestStateFrame,
  type GuestWatchFrame,
} from '@tendril/crdt-schema/wire';
import { bytesEqual } from '../../store/bytes.ts';
import type { GuestLinkRecord } from '../../store/guest-types.ts';
import { ConnState, identityOf, type Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { requireMember } from './membership.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  const h = (x: Uint8Array): Buffer => createHash('sha256').update(x).digest();
  return timingSafeEqual(h(a), h(b));
};

const expired = (link: GuestLinkRecord, now: number): boolean => link.expiresAt !== 0 && now >= link.expiresAt;

async function stateOf(ctx: RelayContext, link: GuestLinkRecord, ref: number): Promise<GuestStateFrame> {
  const visitors = (await ctx.guests.store.listVisitors(link.link)).map((v) => ({ key: v.key, keyBox: v.keyBox, admittedAt: v.admittedAt, endedAt: v.endedAt }));
  return { type: FrameType.GuestState, ref, link: link.link, endedAt: link.endedAt, visitors };
}

/** Sends the link's state to every connection that watches it. */
async function tellWatchers(ctx: RelayContext, link: GuestLinkId): Promise<void> {
  const watchers = ctx.guests.hub.watchersOf(link);
  if (watchers.length === 0) return;
  const record = await ctx.guests.store.getLink(link);
  if (!record) return;
  const state = await stateOf(ctx, record, 0);
  for (const w of watchers) w.send(state);
}

/** The owner's request about a stored link: a member of the link's workspace holding its capKey. */
async function ownerLink(ctx: RelayContext, conn: Connection, f: { ref: number; link: GuestLinkId; proof: Uint8Array }, message: Uint8Array): Promise<GuestLinkRecord | undefined> {
  if (conn.guest) {
    conn.error('E_FORBIDDEN', { ref: f.ref, detail: 'a visitor cannot manage guest links' });
    return undefined;
  }
  if (!(await requireMember(ctx, conn, { ref: f.ref, what: 'managing a guest link' }))) return undefined;
  const link = await ctx.guests.store.getLink(f.link);
  if (!link || link.workspace !== conn.identity!.workspace) {
    conn.error('E_BAD_INPUT', { ref: f.ref, detail: 'no such guest link in this workspace' });
    return undefined;
  }
  if (!ctx.verifier.verify(link.capKey, message, f.proof)) {
    conn.error('E_AUTH_FAILED', { ref: f.ref, detail: 'the proof does not verify under the link\'s key' });
    return undefined;
  }
  return link;
}

export async function handleGuestLink(ctx: RelayContext, conn: Connection, f: GuestLinkFrame): Promise<void> {
  const refuse = (code: Parameters<Connection['error']>[0], detail: string): void => conn.error(code, { ref: f.ref, detail });
  if (conn.guest) return refuse('E_FORBIDDEN', 'a visitor cannot manage guest links');
  if (!(await requireMember(ctx, conn, { ref: f.ref, what: 'registering a guest link' }))) return;
  if (f.maxVisitors < 1 || f.maxVisitors > MAX_GUEST_VISITORS) return refuse('E_BAD_INPUT', `maxVisitors must be 1 to ${MAX_GUEST_VISITORS}`);
  if (f.visitorPerMinute < 1 || f.linkPerMinute < 1) return refuse('E_BAD_INPUT', 'the per-minute limits must be at least 1');
  if (!ctx.verifier.verify(f.capKey, guestLinkBytes(conn.nonce, f), f.proof)) return refuse('E_AUTH_FAILED', 'the proof does not verify under capKey');
  const workspace = conn.identity!.workspace;
  const old = await ctx.guests.store.getLink(f.link);
  if (old && (old.workspace !== workspace || !bytesEqual(old.capKey, f.capKey))) return refuse('E_FORBIDDEN', 'this link is registered under another key');
  if (old && old.endedAt !== 0) return refuse('E_GUEST_ENDED', 'this link was ended');
  const now = ctx.clock.now();
  const record: GuestLinkRecord = {
    link: f.link, workspace, capKey: f.capKey, codeVerifier: f.codeVerifier, expiresAt: f.expiresAt, maxVisitors: f.maxVisitors,
    visitorPerMinute: f.visitorPerMinute, linkPerMinute: f.linkPerMinute, createdAt: now, endedAt: 0,
  };
  await ctx.guests.store.putLink(record);
  ctx.logger.info('guest.link', { workspace, link: f.link, created: old === undefined });
  conn.send(await stateOf(ctx, old ? { ...record, createdAt: old.createdAt } : record, f.ref));
}

export async function handleGuestWatch(ctx: RelayContext, conn: Connection, f: GuestWatchFrame): Promise<void> {
  const link = await ownerLink(ctx, conn, f, guestWatchBytes(conn.nonce, f.link));
  if (!link) return;
  const state = await stateOf(ctx, link, f.ref);
  ctx.guests.hub.addWatcher(f.link, conn, f.answering);
  conn.send(state);
}

export async function handleGuestEnd(ctx: RelayContext, conn: Connection, f: GuestEndFrame): Promise<void> {
  const link = await ownerLink(ctx, conn, f, guestEndBytes(conn.nonce, f.link, f.visitor));
  if (!link) return;
  const now = ctx.clock.now();
  const whole = f.visitor.length === 0;
  if (whole) await ctx.guests.store.endLink(f.link, now);
  else if (!(await ctx.guests.store.endVisitor(f.link, f.visitor, now))) return conn.error('E_BAD_INPUT', { ref: f.ref, detail: 'no such visitor on this link' });
  for (const v of ctx.guests.hub.visitorsOf(f.link, whole ? undefined : f.visitor)) v.fail('E_GUEST_ENDED', { detail: whole ? 'the owner ended this link' : 'the owner ended this visitor' });
  ctx.logger.info('guest.end', { link: f.link, whole });
  // Other relay processes on the store close their connections of the visitor (or link) too.
  ctx.announce({ kind: 'guestEnded', link: f.link, visitor: whole ? '' : toBase64Url(f.visitor) });
  const after = (await ctx.guests.store.getLink(f.link)) ?? link;
  conn.send(await stateOf(ctx, after, f.ref));
  await tellWatchers(ctx, f.link);
}

/**
 * Another relay process ended a visitor (`visitor` base64url) or a whole link (''): close their
 * connections here once the store confirms it (the bus alone is not believed), and tell the watchers.
 */
export async function endGuestsIfStored(ctx: RelayContext, link: GuestLinkId, visitor: string): Promise<void> {
  const whole = visitor === '';
  const key = whole ? undefined : fromBase64Url(visitor);
  const ended = whole ? (await ctx.guests.store.getLink(link))?.endedAt : (await ctx.guests.store.getVisitor(link, key!))?.endedAt;
  if (!ended) return;
  for (const v of ctx.guests.hub.visitorsOf(link, key)) v.fail('E_GUEST_ENDED', { detail: whole ? 'the owner ended this link' : 'the owner ended this visitor' });
  await tellWatchers(ctx, link);
}

export async function handleGuestHello(ctx: RelayContext, conn: Connection, f: GuestHelloFrame): Promise<void> {
  if (conn.state !== ConnState.Challenged) {
    conn.error('E_BAD_INPUT', { detail: 'this connection already completed its hello' });
    return;
  }
  if (f.version < 1) return conn.fail('E_PROTOCOL_VERSION', { detail: `relay speaks ${PROTOCOL_VERSION}` });
  const visitorKey = publicKeyOfDevice(f.visitor);
  if (deviceIdFromPublicKey(visitorKey) !== f.visitor) return conn.fail('E_AUTH_FAILED', { detail: 'non-canonical visitor id' });
  if (!ctx.verifier.verify(visitorKey, guestHelloBytes(conn.nonce, f.link, visitorKey), f.proof)) {
    return conn.fail('E_AUTH_FAILED', { detail: 'the guest hello proof does not verify under the visitor key' });
  }
  const now = ctx.clock.now();
  const ip = conn.ip;
  const link = await ctx.guests.store.getLink(f.link);
  if (link && (link.endedAt !== 0 || expired(link, now))) return conn.fail('E_GUEST_ENDED', { detail: link.endedAt !== 0 ? 'the owner ended this link' : 'this link expired' });
  const known = link && (await ctx.guests.store.getVisitor(f.link, visitorKey));
  if (known && known.endedAt !== 0) return conn.fail('E_GUEST_ENDED', { detail: 'the owner ended this visitor' });
  if (!known) {
    // A newcomer: the code decides, and only while no wait runs for this link or this address.
    const wait = await ctx.guests.gate.wait(f.link, ip, now);
    if (wait > 0) return conn.fail('E_GUEST_CODE', { retryAfterMs: wait, detail: 'too many wrong codes: wait before trying again' });
    if (!link || !sameBytes(guestCodeVerifier(f.link, f.code), link.codeVerifier)) {
      const next = await ctx.guests.gate.failed(f.link, ip, now);
      ctx.problems.count('guest.wrong_code');
      return conn.fail('E_GUEST_CODE', { retryAfterMs: next, detail: 'wrong code (or no such link)' });
    }
    if (f.keyBox.length === 0) return conn.fail('E_BAD_INPUT', { detail: 'a first visit carries the key box' });
  }
  const doc = guestDocId(f.link, visitorKey);
  if (!(await ctx.store.getDoc(doc))) {
    if (ctx.usage.exceeds(await ctx.usage.current(link!.workspace), { docs: 1 })) return conn.fail('E_QUOTA_EXCEEDED', { detail: 'the owner\'s workspace holds no more documents' });
    await ctx.store.createDoc({ doc, workspace: link!.workspace, writeKey: link!.capKey, readKey: link!.capKey });
    ctx.usage.add(link!.workspace, { docs: 1 });
  }
  let admitted = false;
  if (!known) {
    const result = await ctx.guests.store.admitVisitor(f.link, visitorKey, f.keyBox, now, link!.maxVisitors);
    if (result.status === 'full') return conn.fail('E_GUEST_LIMIT', { detail: `this link admits at most ${link!.maxVisitors} visitors` });
    if (result.status === 'returning' && result.visitor.endedAt !== 0) return conn.fail('E_GUEST_ENDED', { detail: 'the owner ended this visitor' });
    admitted = result.status === 'admitted';
  }
  if (conn.state !== ConnState.Challenged) return; // timed out or closed while the store answered
  const l = link!;
  const identity = identityOf(l.workspace, f.visitor);
  const full = ctx.admitGuest(conn, identity, l.link);
  if (full !== undefined) return conn.fail('E_TOO_MANY_CONNECTIONS', { detail: full });
  const session = { link: l.link, visitorKey, doc, visitorPerMinute: l.visitorPerMinute, linkPerMinute: l.linkPerMinute, expiresAt: l.expiresAt };
  conn.guest = session;
  conn.ready(identity);
  ctx.guests.hub.addVisitor(conn, session);
  conn.send({ type: FrameType.Welcome, version: Math.min(f.version, PROTOCOL_VERSION), serverTime: now, maxFrameBytes: ctx.limits.maxFrameBytes, address: ip });
  // Whether a runner answering the link is connected: the visitor shows "the agent is away" from it.
  conn.send(ctx.guests.hub.presence(l.link));
  ctx.logger.info('guest.ready', { conn: conn.id, link: l.link, admitted });
  if (admitted) await tellWatchers(ctx, l.link);
}
