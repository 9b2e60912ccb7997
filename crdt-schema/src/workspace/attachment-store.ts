/**
 * A chat's attachments on this device: upload seals a file under the chat's keys and stores it at the
 * relay as a blob, returning the reference the message keeps; open fetches a reference's blob on
 * demand (from the local cache first), checks it, and opens it. The cache holds the sealed bytes
 * only, so what it keeps on disk is as safe as the relay's copy (the app's is IndexedDB).
 */
import { TendrilError } from '../errors.ts';
import type { ChatId } from '../ids.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { BlobKind } from '../wire/frames.ts';
import type { BlobClient, BlobProgress } from '../blobs/blob-client.ts';
import { openAttachment, sealAttachment, type ChatContentKeys } from '../blobs/attachment-seal.ts';
import { attachmentProblem, type ChatAttachment } from '../schema/chat-attachments.ts';

/** Where fetched sealed blobs are kept on the device, by blob id. */
export interface SealedBlobCache {
  get(id: string): Promise<Uint8Array | undefined>;
  put(id: string, sealed: Uint8Array): Promise<void>;
}

/** A cache in memory, dropping the oldest past `maxBytes`. */
export function memoryBlobCache(maxBytes = 64 * 1024 * 1024): SealedBlobCache {
  const held = new Map<string, Uint8Array>();
  let bytes = 0;
  return {
    get: async (id) => held.get(id),
    put: async (id, sealed) => {
      if (held.has(id) || sealed.length > maxBytes) return;
      held.set(id, sealed);
      bytes += sealed.length;
      for (const [k, v] of held) {
        if (bytes <= maxBytes) break;
        held.delete(k);
        bytes -= v.length;
      }
    },
  };
}

/** A file to attach, as read on the device. */
export interface AttachmentFile {
  readonly name: string;
  readonly mime: string;
  readonly bytes: Uint8Array;
}

export interface AttachmentStoreOptions {
  readonly crypto: CryptoProvider;
  readonly blobs: BlobClient;
  /** The chat document's keys (E_KEY_MISSING when this device holds none). */
  readonly keysFor: (chat: ChatId) => ChatContentKeys;
  readonly cache?: SealedBlobCache;
}

export class AttachmentStore {
  private readonly cache: SealedBlobCache;

  constructor(private readonly o: AttachmentStoreOptions) {
    this.cache = o.cache ?? memoryBlobCache();
  }

  /** Seals and uploads a file for `chat`; E_BAD_INPUT (nothing sent) when it cannot be attached. */
  async upload(chat: ChatId, file: AttachmentFile, onProgress?: BlobProgress): Promise<ChatAttachment> {
    const problem = attachmentProblem({ name: file.name, mime: file.mime, size: file.bytes.length });
    if (problem) throw new TendrilError('E_BAD_INPUT', problem);
    const sealed = sealAttachment(this.o.crypto, this.o.keysFor(chat), file.bytes);
    const blob = await this.o.blobs.put(sealed, BlobKind.Attachment, onProgress);
    await this.cache.put(blob, sealed).catch(() => undefined);
    return { blob, name: file.name, mime: file.mime, size: file.bytes.length };
  }

  /** The plaintext of an attachment of `chat`, fetched when not cached. */
  async open(chat: ChatId, ref: ChatAttachment, onProgress?: BlobProgress): Promise<Uint8Array> {
    let sealed = await this.cache.get(ref.blob).catch(() => undefined);
    if (!sealed) {
      sealed = await this.o.blobs.get(ref.blob, onProgress);
      await this.cache.put(ref.blob, sealed).catch(() => undefined);
    }
    const plain = openAttachment(this.o.crypto, this.o.keysFor(chat), sealed);
    if (plain.length !== ref.size) throw new TendrilError('E_DECRYPT_FAILED', `${ref.name} opened to ${plain.length} bytes, the message says ${ref.size}`);
    return plain;
  }
}
