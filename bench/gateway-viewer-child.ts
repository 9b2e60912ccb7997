/**
 * A terminal viewer in its own process, as a remote device's viewer is: a
 * ViewerCore on the device's own WorkspaceSession (its home, its connection to
 * the relay), drawing into a Screen that parses nothing. bench/gateway-relay.ts
 * measures output throughput through it, so that the viewer's receiving,
 * opening and drawing do not run on the gateway's event loop (the loop that
 * reads the PTY) as they never do in use; this process's CPU is read and shown
 * apart from the gateway's.
 * Usage: startChild(path, ['{"home": "<device home>", "session": "<session id>"}'])
 * Commands: `run` {command, marker} types the command and answers once the
 * marker was drawn, with the bytes drawn and the time it took; `type` {text}.
 */
import { gunzipSync } from 'node:zlib';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import type { SessionId } from '@tendril/crdt-schema/ids';
import { ViewerCore } from '@tendril/gateway';
import { openHome } from '../workers/src/home/device-home.ts';
import { openNodeSession } from '../workers/src/peer/node-peer.ts';
import { TapScreen, throughput } from './gateway-measure.ts';
import { waitFor } from './lib/args.ts';
import { serveRpc } from './lib/rpc.ts';

const spec = JSON.parse(process.argv[2]!) as { home: string; session: SessionId };
const crypto = await loadCrypto();
const session = await openNodeSession(crypto, openHome(crypto, spec.home), { clientName: 'bench-viewer' });
await session.syncOrQueue(15_000);
if (!(await waitFor(() => session.workspace().sessions.get(spec.session) !== undefined, 15_000, 20))) throw new Error('the session is not in the index');
const tap = new TapScreen();
const gunzip = async (gzip: Uint8Array): Promise<Uint8Array> => new Uint8Array(gunzipSync(gzip));
const core = new ViewerCore({ crypto, session, entry: session.workspace().sessions.get(spec.session)!, screen: tap, gunzip });
await core.open();
if (!(await core.whenLive())) throw new Error('the gateway did not answer the viewer');
const shell = {
  onOutput: (listener: (bytes: Uint8Array) => void): void => void (tap.listener = listener),
  type: (text: string): void => core.send(text),
};

serveRpc(
  {
    /** Types `command`; answers once `marker` was drawn: bytes drawn and ms from typing. */
    run: async (args) => {
      const { command, marker } = args as { command: string; marker: string };
      return throughput(shell, command, marker);
    },
    type: (args) => shell.type((args as { text: string }).text),
    drawn: () => ({ bytes: tap.bytes, resets: tap.resets }),
  },
  { pid: process.pid },
  async () => {
    core.close();
    await session.close();
  },
);
