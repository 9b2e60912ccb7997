/** Attachment sealing: opens with the chat's keys only, bound to the chat, and any altered byte is refused. */
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { createDocKeys, rotateDocKeys } from '../crypto/doc-keys.ts';
import { deriveDocKeys } from '../keyring/doc-keys.ts';
import { newDocId } from '../ids.ts';
import { ATTACHMENT_OVERHEAD, openAttachment, sealAttachment } from './attachment-seal.ts';
import { containsBytes } from '../wire/transcript.ts';

const crypto = await loadCrypto();
const canary = new TextEncoder().encode('CANARY-attachment-bytes-7f3a');

describe('attachment sealing', () => {
  const scope = createDocKeys(crypto, newDocId());
  const chat = deriveDocKeys(crypto, scope, newDocId());

  it('round-trips under the chat keys and hides the plaintext', () => {
    const sealed = sealAttachment(crypto, chat, canary);
    expect(sealed.length).toBe(canary.length + ATTACHMENT_OVERHEAD);
    expect(containsBytes(sealed, canary)).toBe(false);
    expect(openAttachment(crypto, chat, sealed)).toEqual(canary);
    expect(sealAttachment(crypto, chat, canary)).not.toEqual(sealed);
  });

  it('refuses another chat, another workspace scope and altered bytes', () => {
    const sealed = sealAttachment(crypto, chat, canary);
    const otherChat = deriveDocKeys(crypto, scope, newDocId());
    expect(() => openAttachment(crypto, otherChat, sealed)).toThrow(expect.objectContaining({ code: 'E_DECRYPT_FAILED' }));
    const sameIdOtherScope = deriveDocKeys(crypto, createDocKeys(crypto, newDocId()), chat.doc);
    expect(() => openAttachment(crypto, sameIdOtherScope, sealed)).toThrow(expect.objectContaining({ code: 'E_DECRYPT_FAILED' }));
    for (const at of [0, 3, 10, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      expect(() => openAttachment(crypto, chat, bad)).toThrow();
    }
    expect(() => openAttachment(crypto, chat, sealed.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'E_ENVELOPE_MALFORMED' }));
  });

  it('opens an attachment of an earlier epoch after a rotation, and names a missing epoch', () => {
    const sealed = sealAttachment(crypto, chat, canary);
    const rotated = deriveDocKeys(crypto, rotateDocKeys(crypto, scope), chat.doc);
    expect(openAttachment(crypto, rotated, sealed)).toEqual(canary);
    const onlyNew = { doc: chat.doc, current: rotated.current, contentKey: (e: typeof rotated.current) => (e === rotated.current ? rotated.contentKey(e) : undefined) };
    expect(() => openAttachment(crypto, onlyNew, sealed)).toThrow(expect.objectContaining({ code: 'E_UNKNOWN_EPOCH' }));
  });
});
