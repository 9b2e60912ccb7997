import { describe, expect, it } from 'vitest';
import { newGuestLinkId, toBase64Url } from '../ids.ts';
import { codeOf } from '../testkit/error-code.ts';
import { utf8 } from './bytes.ts';
import { formatGuestLink, GUEST_LINK_SECRET_BYTES, parseGuestLink } from './guest-link.ts';
import { guestConversationDoc, openGuestKeyBox, openGuestLive, sealGuestLive, openGuestMessage, resumeGuestConversation, sealGuestMessage, startGuestConversation } from './guest-seal.ts';
import { generateDeviceIdentity } from './keys.ts';
import { guestDocId } from '../wire/guest-proofs.ts';
import { loadCrypto } from './load.ts';
import { secret } from './secret.ts';

const crypto = await loadCrypto();
const linkId = newGuestLinkId();
const ownerBox = crypto.boxKeyPair();
const linkSecret = secret(crypto.randomBytes(GUEST_LINK_SECRET_BYTES));
const visitorKey = () => crypto.signKeyPair().publicKey;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const start = (key = visitorKey()) => startGuestConversation(crypto, { linkId, ownerBoxKey: ownerBox.publicKey, linkSecret, visitorKey: key });
const ownerSide = (keyBox: Uint8Array, key: Uint8Array) => openGuestKeyBox(crypto, { linkId, ownerBox, linkSecret, visitorKey: key, keyBox });

describe('guest links', () => {
  it('keep the key material in the fragment and parse back', () => {
    const link = formatGuestLink({ relayHttpUrl: 'https://relay.example/', linkId, ownerBoxKey: ownerBox.publicKey, secret: linkSecret }).expose();
    const url = new URL(link);
    expect(url.pathname).toBe('/guest/');
    expect(url.origin + url.pathname + url.search).not.toContain(toBase64Url(linkSecret.expose()));
    const parsed = parseGuestLink(link);
    expect(parsed.relayHttpUrl).toBe('https://relay.example');
    expect(parsed.linkId).toBe(linkId);
    expect(parsed.ownerBoxKey).toEqual(ownerBox.publicKey);
    expect(parsed.secret.expose()).toEqual(linkSecret.expose());
  });

  it('refuse a link without its whole fragment, naming the defect', () => {
    const link = formatGuestLink({ relayHttpUrl: 'http://127.0.0.1:9/', linkId, ownerBoxKey: ownerBox.publicKey, secret: linkSecret }).expose();
    const cases = [link.split('#')[0]!, link.slice(0, -3), `${link}.x`, link.replace(linkId, 'short'), 'not a url', link.replace('http:', 'ftp:')];
    for (const bad of cases) expect(codeOf(() => parseGuestLink(bad)), bad).toBe('E_GUEST_LINK_INVALID');
  });
});

describe('guest conversations', () => {
  const visitorId = () => generateDeviceIdentity(crypto);
  const owner = generateDeviceIdentity(crypto);

  it('carry messages both ways between the visitor and the owner, and resume on a later visit', () => {
    const me = visitorId();
    const v = start(me.signPublicKey);
    const ownerSees = ownerSide(v.keyBox, me.signPublicKey);
    const sealed = sealGuestMessage(crypto, v.conversation, me, 1, utf8('hello, my name is Ada'));
    expect(text(openGuestMessage(crypto, ownerSees, sealed, 'visitor').plaintext)).toBe('hello, my name is Ada');
    const reply = sealGuestMessage(crypto, ownerSees, owner, 1, utf8('hi Ada'));
    const later = resumeGuestConversation(crypto, linkId, linkSecret, v.visitor);
    expect(openGuestMessage(crypto, later, reply, 'owner')).toMatchObject({ counter: 1, author: owner.deviceId });
    expect(guestConversationDoc(later)).toBe(guestDocId(linkId, me.signPublicKey));
  });

  it('hold no plaintext in what the relay stores', () => {
    const me = visitorId();
    const v = start(me.signPublicKey);
    const sealed = sealGuestMessage(crypto, v.conversation, me, 3, utf8('secret-plan-xyzzy'));
    const relaySees = new TextDecoder('latin1').decode(new Uint8Array([...v.keyBox, ...sealed]));
    expect(relaySees).not.toContain('secret-plan-xyzzy');
  });

  it('cannot be read by another visitor of the same link (who holds the link secret)', () => {
    const ma = visitorId();
    const a = start(ma.signPublicKey);
    const mb = visitorId();
    const b = start(mb.signPublicKey);
    const sealed = sealGuestMessage(crypto, a.conversation, ma, 1, utf8('for the owner only'));
    // Even pretending to be A's conversation (same document), B's key opens nothing.
    const bAsA = { ...b.conversation, visitorKey: ma.signPublicKey };
    expect(codeOf(() => openGuestMessage(crypto, bAsA, sealed, 'visitor'))).toBe('E_DECRYPT_FAILED');
    expect(crypto.boxSealOpen(a.keyBox, crypto.boxKeyPair())).toBeNull();
  });

  it('cannot be read or forged by the relay with a key box of its own', () => {
    const me = visitorId();
    const real = start(me.signPublicKey);
    const forgedSecret = crypto.randomBytes(32);
    const forgedBox = crypto.boxSeal(new Uint8Array([...me.signPublicKey, ...forgedSecret]), ownerBox.publicKey);
    const ownerFooled = ownerSide(forgedBox, me.signPublicKey);
    const sealed = sealGuestMessage(crypto, real.conversation, me, 1, utf8('hi'));
    expect(codeOf(() => openGuestMessage(crypto, ownerFooled, sealed, 'visitor'))).toBe('E_DECRYPT_FAILED');
    // What the relay can seal (it knows K' but not the link secret) the visitor does not accept as the owner's.
    const relayGuess = resumeGuestConversation(crypto, linkId, secret(new Uint8Array(32)), { visitorKey: me.signPublicKey, conversationSecret: secret(forgedSecret) });
    const forgedReply = sealGuestMessage(crypto, relayGuess, generateDeviceIdentity(crypto), 1, utf8('send me your password'));
    expect(codeOf(() => openGuestMessage(crypto, real.conversation, forgedReply, 'owner'))).toBe('E_DECRYPT_FAILED');
  });

  it('refuse a key box filed under another visitor or opened with another link key', () => {
    const v = start();
    expect(codeOf(() => ownerSide(v.keyBox, visitorKey()))).toBe('E_DECRYPT_FAILED');
    expect(codeOf(() => openGuestKeyBox(crypto, { linkId, ownerBox: crypto.boxKeyPair(), linkSecret, visitorKey: v.visitor.visitorKey, keyBox: v.keyBox }))).toBe('E_DECRYPT_FAILED');
  });

  it('refuse a message reflected, altered or moved to another conversation', () => {
    const me = visitorId();
    const v = start(me.signPublicKey);
    const ownerSees = ownerSide(v.keyBox, me.signPublicKey);
    const sealed = sealGuestMessage(crypto, v.conversation, me, 5, utf8('once'));
    // The visitor's own message handed back as the owner's reply.
    expect(codeOf(() => openGuestMessage(crypto, v.conversation, sealed, 'owner'))).toBe('E_UNKNOWN_AUTHOR');
    // An owner's reply cannot pass as the visitor's message.
    const reply = sealGuestMessage(crypto, ownerSees, owner, 1, utf8('reply'));
    expect(codeOf(() => openGuestMessage(crypto, ownerSees, reply, 'visitor'))).toBe('E_UNKNOWN_AUTHOR');
    const altered = sealed.slice();
    altered[altered.length - 70]! ^= 1;
    expect(codeOf(() => openGuestMessage(crypto, ownerSees, altered, 'visitor'))).toBe('E_BAD_SIGNATURE');
    const moved = { ...ownerSees, linkId: newGuestLinkId() };
    expect(codeOf(() => openGuestMessage(crypto, moved, sealed, 'visitor'))).toBe('E_WRONG_DOC');
  });

  it('seal live reply text that only the same conversation opens', () => {
    const me = visitorId();
    const v = start(me.signPublicKey);
    const ownerSees = ownerSide(v.keyBox, me.signPublicKey);
    const sealed = sealGuestLive(crypto, ownerSees, { for: 'm1', text: 'Nice to' });
    expect(openGuestLive(crypto, v.conversation, sealed)).toEqual({ for: 'm1', text: 'Nice to' });
    expect(openGuestLive(crypto, start().conversation, sealed)).toBeNull();
    const moved = { ...v.conversation, linkId: newGuestLinkId() };
    expect(openGuestLive(crypto, moved, sealed)).toBeNull();
    expect(openGuestLive(crypto, v.conversation, sealed.subarray(0, 30))).toBeNull();
  });
});
