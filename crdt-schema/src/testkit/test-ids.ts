/**
 * Identifiers drawn from a seeded PRNG, in the same formats as ids.ts, so a
 * randomized test replays the same ids from the same seed.
 */
import { toBase64Url, type ChatId, type DeviceId, type DocId, type MessageId, type PluginId, type SessionId, type WorkspaceId } from '../ids.ts';
import type { Prng } from './prng.ts';

export interface TestIds {
  workspaceId(): WorkspaceId;
  docId(): DocId;
  chatId(): ChatId;
  messageId(): MessageId;
  sessionId(): SessionId;
  pluginId(): PluginId;
  /** 43 characters, like the base64url of an Ed25519 public key. */
  deviceId(): DeviceId;
}

export function testIds(prng: Prng): TestIds {
  const random = <T extends string>(): T => toBase64Url(prng.bytes(16)) as T;
  return {
    workspaceId: random<WorkspaceId>,
    docId: random<DocId>,
    chatId: random<ChatId>,
    messageId: random<MessageId>,
    sessionId: random<SessionId>,
    pluginId: random<PluginId>,
    deviceId: () => toBase64Url(prng.bytes(32)) as DeviceId,
  };
}
