import { describe, expect, it } from 'vitest';
import { newGuestLinkId, toBase64Url } from '../ids.ts';
import { codeOf } from '../testkit/error-code.ts';
import { utf8 } from './bytes.ts';
import { formatGuestLink, GUEST_LINK_SECRET_BYTES, parseGuestLink } from './guest-link.ts';
import { GuestDirection, openGuestKeyBox, openGuestMessage, resumeGuestConversation, sealGuestMessage, startGuestConversation } from './guest-seal.ts';
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
  it('carry messages both ways between the visitor and the owner, and resume on a later visit', () => {
    const key = visitorKey();
    const v = start(key);
    const owner = ownerSide(v.keyBox, key);
    const sealed = sealGuestMessage(crypto, v.conversation, GuestDirection.Visitor, 0, utf8('hello, my name is Ada'));
    expect(text(openGuestMessage(crypto, owner, sealed, GuestDirection.Visitor).plaintext)).toBe('hello, my name is Ada');
    const reply = sealGuestMessage(crypto, owner, GuestDirection.Owner, 0, utf8('hi Ada'));
    const later = resumeGuestConversation(crypto, linkId, linkSecret, v.visitor);
    expect(openGuestMessage(crypto, later, reply, GuestDirection.Owner)).toMatchObject({ counter: 0, direction: GuestDirection.Owner });
  });

  it('hold no plaintext in what the relay stores', () => {
    const v = start();
    const sealed = sealGuestMessage(crypto, v.conversation, GuestDirection.Visitor, 3, utf8('secret-plan-xyzzy'));
    const relaySees = new TextDecoder('latin1').decode(new Uint8Array([...v.keyBox, ...sealed]));
    expect(relaySees).not.toContain('secret-plan-xyzzy');
  });

  it('cannot be read by another visitor of the same link (who holds the link secret)', () => {
    const a = start();
    const b = start();
    const sealed = sealGuestMessage(crypto, a.conversation, GuestDirection.Visitor, 0, utf8('for the owner only'));
    expect(codeOf(() => openGuestMessage(crypto, b.conversation, sealed, GuestDirection.Visitor))).toBe('E_DECRYPT_FAILED');
    // B cannot open A's key box either: only the link's box secret does.
    expect(crypto.boxSealOpen(a.keyBox, crypto.boxKeyPair())).toBeNull();
  });

  it('cannot be read or forged by the relay with a key box of its own', () => {
    const key = visitorKey();
    const real = start(key);
    const forgedSecret = crypto.randomBytes(32);
    const forgedBox = crypto.boxSeal(new Uint8Array([...key, ...forgedSecret]), ownerBox.publicKey);
    const ownerFooled = ownerSide(forgedBox, key);
    const sealed = sealGuestMessage(crypto, real.conversation, GuestDirection.Visitor, 0, utf8('hi'));
    expect(codeOf(() => openGuestMessage(crypto, ownerFooled, sealed, GuestDirection.Visitor))).toBe('E_DECRYPT_FAILED');
    // Without the link secret the relay's guess at the key opens nothing either.
    const relayGuess = resumeGuestConversation(crypto, linkId, secret(new Uint8Array(32)), { visitorKey: key, conversationSecret: secret(forgedSecret) });
    expect(codeOf(() => openGuestMessage(crypto, relayGuess, sealed, GuestDirection.Visitor))).toBe('E_DECRYPT_FAILED');
  });

  it('refuse a key box filed under another visitor', () => {
    const v = start();
    expect(codeOf(() => ownerSide(v.keyBox, visitorKey()))).toBe('E_DECRYPT_FAILED');
    expect(codeOf(() => openGuestKeyBox(crypto, { linkId, ownerBox: crypto.boxKeyPair(), linkSecret, visitorKey: v.visitor.visitorKey, keyBox: v.keyBox }))).toBe('E_DECRYPT_FAILED');
  });

  it('refuse a message reflected, renumbered, altered or moved to another link', () => {
    const key = visitorKey();
    const v = start(key);
    const owner = ownerSide(v.keyBox, key);
    const sealed = sealGuestMessage(crypto, v.conversation, GuestDirection.Visitor, 5, utf8('once'));
    expect(codeOf(() => openGuestMessage(crypto, v.conversation, sealed, GuestDirection.Owner))).toBe('E_DECRYPT_FAILED');
    const reflected = sealed.slice();
    reflected[1] = GuestDirection.Owner;
    expect(codeOf(() => openGuestMessage(crypto, v.conversation, reflected, GuestDirection.Owner))).toBe('E_DECRYPT_FAILED');
    const renumbered = sealed.slice();
    renumbered[9] = 6;
    expect(codeOf(() => openGuestMessage(crypto, owner, renumbered, GuestDirection.Visitor))).toBe('E_DECRYPT_FAILED');
    const altered = sealed.slice();
    altered[altered.length - 1]! ^= 1;
    expect(codeOf(() => openGuestMessage(crypto, owner, altered, GuestDirection.Visitor))).toBe('E_DECRYPT_FAILED');
    const moved = { ...owner, linkId: newGuestLinkId() };
    expect(codeOf(() => openGuestMessage(crypto, moved, sealed, GuestDirection.Visitor))).toBe('E_DECRYPT_FAILED');
    expect(codeOf(() => openGuestMessage(crypto, owner, sealed.subarray(0, 20), GuestDirection.Visitor))).toBe('E_DECRYPT_FAILED');
  });
});
