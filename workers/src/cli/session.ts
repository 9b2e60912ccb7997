/**
 * Opening a home's workspace session for one command (waiting, up to a minute, while another
 * process uses the home), and closing it however the command ends.
 */
import { loadCrypto, type CryptoProvider } from '@tendril/crdt-schema/crypto';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { openHomeWhenFree } from '../home/device-home.ts';
import { openNodeSession } from '../peer/node-peer.ts';

export async function withSession<T>(dir: string, run: (session: WorkspaceSession, crypto: CryptoProvider) => Promise<T>): Promise<T> {
  const crypto = await loadCrypto();
  const session = await openNodeSession(crypto, await openHomeWhenFree(crypto, dir), { clientName: 'tendril-cli' });
  try {
    return await run(session, crypto);
  } finally {
    await session.close();
  }
}
