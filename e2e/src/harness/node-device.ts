/**
 * A headless device in the test process, joined to the browser's workspace
 * through an invite link like any other device (shared-core flows, memory
 * stores, the `ws` WebSocket). It plays an agent that streams replies and
 * honours Stop, and writes large chats quickly.
 */
import WebSocket from 'ws';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import type { ChatId, DocId } from '@tendril/crdt-schema/ids';
import { MemoryDocStore, type WebSocketConstructor } from '@tendril/crdt-schema/sync';
import { enroll, redeemInvite, WorkspaceSession, type DeviceHomeState } from '@tendril/crdt-schema/workspace';
import type { ChatDoc } from '@tendril/crdt-schema/schema';

const WS = WebSocket as unknown as WebSocketConstructor;
const CLIENT = 'tendril-e2e';

/**
 * Joins with `link`; when the link needs confirmation, `confirm` gets the code this device shows
 * and must get the inviting device to confirm it (the app's Confirm button).
 */
export async function joinAsNodeDevice(link: string, name: string, confirm: (code: string) => Promise<unknown>): Promise<WorkspaceSession> {
  const crypto = await loadCrypto();
  let confirming: Promise<unknown> = Promise.resolve();
  const redeemed = await redeemInvite(crypto, link, {
    now: Date.now(),
    deviceName: name,
    WebSocket: WS,
    clientName: CLIENT,
    confirmTimeoutMs: 60_000,
    onPairingCode: (code) => void (confirming = confirm(code).catch((e: unknown) => e)),
  });
  const failed = await confirming;
  if (failed instanceof Error) throw failed;
  const stores = new Map<DocId, MemoryDocStore>();
  const home: DeviceHomeState & { config: DeviceHomeState['config']; keys: DeviceHomeState['keys'] } = {
    identity: redeemed.identity,
    localKey: crypto.randomBytes(32),
    config: redeemed.config,
    keys: redeemed.keys,
    saveConfig: (c) => void (home.config = c),
    saveKeys: (k) => void (home.keys = k),
    storeFor: (doc) => stores.get(doc) ?? stores.set(doc, new MemoryDocStore()).get(doc)!,
    close: () => {},
  };
  const session = await WorkspaceSession.open(crypto, home, { clientName: CLIENT, WebSocket: WS });
  if ((await session.syncOrQueue(20_000)) !== 'synced') throw new Error('the node device did not sync');
  if (enroll(crypto, session, redeemed) && (await session.syncOrQueue(20_000)) !== 'synced') throw new Error('the node device did not enroll');
  return session;
}

/**
 * Writes `n` short messages into a new chat, in transactions of `batch`, and waits until the relay
 * has them. Returns the chat and the contents of its first and last message in display order
 * (messages written in the same millisecond sort by id).
 */
export async function writeLargeChat(session: WorkspaceSession, title: string, n: number, batch = 250): Promise<{ id: ChatId; first: string; last: string }> {
  const me = session.home.identity.deviceId;
  const entry = session.workspace().chats.create({ title, createdBy: me });
  const { sync, chat } = await session.openChat(entry.id);
  chat.init({ chatId: entry.id, createdBy: me });
  for (let i = 0; i < n; i += batch) {
    sync.ydoc.transact(() => {
      for (let j = i; j < Math.min(n, i + batch); j++) chat.addMessage({ author: me, role: j % 2 ? 'assistant' : 'user', content: `message ${j + 1} of ${n}: ${'lorem ipsum '.repeat(1 + (j % 5))}`, status: 'done' });
    });
  }
  if ((await session.syncOrQueue(60_000)) !== 'synced') throw new Error('the large chat did not reach the relay');
  const all = chat.transcript();
  return { id: entry.id, first: all[0]!.content, last: all[all.length - 1]!.content };
}

/**
 * Answers the next pending user turn of a chat by streaming `chunks`, one every `everyMs`, stopping
 * early when a Stop is requested. Resolves with how it ended.
 */
export async function streamReply(session: WorkspaceSession, chatId: ChatId, chunks: readonly string[], everyMs: number): Promise<'done' | 'stopped'> {
  const me = session.home.identity.deviceId;
  const { sync, chat } = await session.openChat(chatId);
  const turn = await new Promise<ReturnType<ChatDoc['pendingTurns']>[number]>((resolve) => {
    const check = (): void => {
      const t = chat.pendingTurns()[0];
      if (!t) return;
      sync.ydoc.off('update', check);
      resolve(t);
    };
    sync.ydoc.on('update', check);
    check();
  });
  const reply = chat.addMessage({ author: me, role: 'assistant', status: 'streaming', parent: turn.id, model: 'e2e-model' });
  chat.setStatus(turn.id, 'done');
  for (const c of chunks) {
    await new Promise((r) => setTimeout(r, everyMs));
    if (chat.isStopRequested(reply)) {
      chat.setStatus(reply, 'stopped');
      await session.syncOrQueue(10_000);
      return 'stopped';
    }
    chat.appendContent(reply, c);
  }
  chat.setStatus(reply, 'done');
  await session.syncOrQueue(10_000);
  return 'done';
}
