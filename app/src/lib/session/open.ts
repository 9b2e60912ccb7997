/**
 * Opening this browser's workspace: a new one created here, one joined with
 * an invite link, or the one already stored. Each ends with a connected
 * WorkspaceSession over the IndexedDB home.
 */
import { createBrowserHome, idbBlobCache, openBrowserHome, wipeBrowserHome, type BrowserHome, type BrowserPlatform } from '@tendril/crdt-schema/browser';
import type { CryptoProvider } from '@tendril/crdt-schema/crypto';
import { TendrilError } from '@tendril/crdt-schema/errors';
import { enroll, initializeWorkspace, newWorkspace, redeemInvite, WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { BrowserWebSocket, CLIENT_NAME, pageRelay } from '../platform/browser.ts';

const SYNC_TIMEOUT_MS = 30_000;

/**
 * Syncs through the relay that served this page (ws(s)://<this host>/sync), whatever host the invite named.
 * Fetched attachments are kept sealed in the home's IndexedDB.
 */
export function openSession(crypto: CryptoProvider, home: BrowserHome): Promise<WorkspaceSession> {
  return WorkspaceSession.open(crypto, home, { clientName: CLIENT_NAME, WebSocket: BrowserWebSocket, relay: pageRelay(), blobCache: idbBlobCache(home.db) });
}

/** A new workspace with this browser as its first admin; works offline (the relay registers it on first contact). */
export async function createWorkspace(
  crypto: CryptoProvider,
  platform: BrowserPlatform,
  o: { relay: string; deviceName: string; workspaceName: string },
): Promise<WorkspaceSession> {
  const created = newWorkspace(crypto, o);
  const session = await openSession(crypto, await createBrowserHome(crypto, platform, created));
  await initializeWorkspace(crypto, session);
  session.connect();
  return session;
}

export interface Joined {
  readonly session: WorkspaceSession;
  /** Six digits the inviting device shows too. */
  readonly pairingCode: string;
  /** True when the inviting device confirmed the code before sending the keys. */
  readonly confirmed: boolean;
}

/**
 * Redeems an invite link (one-time: the relay deletes its sealed keys when they are taken). When the
 * link needs confirmation, `onPairingCode` gets the code to show while the inviting device decides. Stores
 * the granted keys, syncs the workspace index and enrolls this device. If anything fails after the
 * keys were taken, the half-made home is wiped: the invite is spent and a new one is needed.
 */
export async function joinWorkspace(
  crypto: CryptoProvider,
  platform: BrowserPlatform,
  o: { link: string; deviceName: string; onStep?: (step: string) => void; onPairingCode?: (code: string) => void },
): Promise<Joined> {
  o.onStep?.('Fetching the invite from the relay…');
  const redeemed = await redeemInvite(crypto, o.link, {
    now: Date.now(),
    deviceName: o.deviceName,
    WebSocket: BrowserWebSocket,
    clientName: CLIENT_NAME,
    onPairingCode: (code) => {
      o.onPairingCode?.(code);
      o.onStep?.('Confirm on your other device that it shows the same code…');
    },
  });
  let session: WorkspaceSession | null = null;
  try {
    session = await openSession(crypto, await createBrowserHome(crypto, platform, redeemed));
    o.onStep?.('Syncing the workspace…');
    if ((await session.syncOrQueue(SYNC_TIMEOUT_MS)) !== 'synced') throw new TendrilError('E_TIMEOUT', 'the workspace did not sync in time');
    o.onStep?.('Adding this device to the workspace…');
    if (enroll(crypto, session, redeemed) && (await session.syncOrQueue(SYNC_TIMEOUT_MS)) !== 'synced') {
      throw new TendrilError('E_TIMEOUT', 'the enrollment did not reach the relay in time');
    }
    return { session, pairingCode: redeemed.pairingCode, confirmed: redeemed.confirmed };
  } catch (e) {
    await session?.close().catch(() => {});
    await wipeBrowserHome(platform).catch(() => {});
    throw e;
  }
}

/** Opens the stored home (with the passphrase when the lock is on) and connects. */
export async function resumeWorkspace(crypto: CryptoProvider, platform: BrowserPlatform, passphrase?: string): Promise<WorkspaceSession> {
  const home = await openBrowserHome(crypto, platform, passphrase === undefined ? {} : { passphrase });
  const session = await openSession(crypto, home);
  session.connect();
  return session;
}
