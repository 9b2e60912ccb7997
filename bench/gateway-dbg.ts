import { newSessionId } from '@tendril/crdt-schema/ids';
import { createPtyHost } from '../gateway/src/terminal/pty-host.ts';
import { TerminalSession } from '../gateway/src/terminal/session.ts';
import type { MirrorThread } from '../gateway/src/terminal/mirror-thread.ts';
import { rawShell, shellEnv, spawn, throughput } from './gateway-measure.ts';
const W = 'W'.repeat(43) as never;
async function engine(stub: boolean) {
  const id = newSessionId();
  const host = createPtyHost({ spawn, tmux: null });
  const { process: p } = await host.start({ sessionId: id, shell: '/bin/sh', cwd: '/tmp', env: shellEnv(), cols: 80, rows: 24 });
  const startThread = stub ? (): MirrorThread => ({ postMessage() {}, on() { return this as never; }, terminate: async () => 0 }) as unknown as MirrorThread : undefined;
  const session = new TerminalSession({ id, title: 'b', cwd: '/tmp', shell: 'sh', process: p, size: { cols: 80, rows: 24 }, gate: { verify: () => W, writers: () => [W] }, mirror: startThread ? { startThread } : {} });
  const sub = session.subscribe();
  if (sub.kind !== 'subscribed') throw new Error();
  let c = 0;
  return { session, onOutput(l: (b: Uint8Array) => void) { const d = () => sub.subscription.take().forEach((b) => l(b.bytes)); sub.subscription.on('readable', d); d(); }, type(t: string) { session.input({ session: id, counter: ++c, data: Buffer.from(t) }); } };
}
const cmd = 'base64 -w 100 /dev/urandom | head -c 20000000';
for (const mode of ['raw', 'stub', 'full', 'raw', 'stub', 'full']) {
  const sh = mode === 'raw' ? rawShell() : await engine(mode === 'stub');
  await new Promise((r) => setTimeout(r, 300));
  const c0 = process.cpuUsage();
  const r = await throughput(sh, cmd, `done-${mode}`);
  const c = process.cpuUsage(c0);
  console.log(mode, (r.bytes / 1e6 / (r.ms / 1000)).toFixed(1), 'MB/s', 'node cpu %', (((c.user + c.system) / 1000 / r.ms) * 100).toFixed(0));
  if ('session' in sh) await sh.session.end(); else sh.end();
}
