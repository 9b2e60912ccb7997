/**
 * Two homes through the real relay (a child process on port 0): a workspace
 * is created, a second device joins by invite link, chats converge both ways,
 * an invite works once, a relay that cannot be reached queues changes, and no
 * file of the relay's data directory holds the canary in any encoding.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderId } from '@tendril/crdt-schema/schema';
import { cli, cliOk, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';

const CANARY = 'canary-7f3e9a-tendril';
const KEY_CANARY = 'sk-canary-key-55aa';

function encodings(text: string): Buffer[] {
  const b = Buffer.from(text, 'utf8');
  return [b, Buffer.from(text, 'utf16le'), Buffer.from(b.toString('base64')), Buffer.from(b.toString('base64url')), Buffer.from(b.toString('hex')), Buffer.from(text.slice(4, 16))];
}

describe('two homes through the real relay', () => {
  const dir = tempDir('two-homes');
  let relay: RelayProcess;
  const a = join(dir.path, 'a');
  const b = join(dir.path, 'b');

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
  });
  afterAll(async () => {
    await relay?.kill();
    dir.remove();
  });

  it('creates, invites, joins, and converges both ways', async () => {
    const init = await cliOk('init', '--home', a, '--relay', relay.url, '--name', 'alice');
    expect(init.out.join('\n')).toMatch(/registered on relay/);
    const chat = (await cliOk('chat', 'new', '--home', a, '--title', 'Plans')).last;
    expect(chat).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await cliOk('chat', 'send', '--home', a, chat, `first ${CANARY}`);

    const link = (await cliOk('invite', '--home', a, '--role', 'device', '--expires', '10m')).last;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\/join\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    await cliOk('join', '--home', b, link, '--name', 'bob');
    const again = await cli('join', '--home', join(dir.path, 'c'), link);
    expect(again.code).not.toBe(0);
    expect(again.err.join('\n')).toMatch(/E_INVITE_USED/);

    const onB = await cliOk('chat', 'show', '--home', b, chat, '--wait-for', CANARY, '--timeout', '10');
    expect(onB.out).toEqual([`[user] first ${CANARY}`]);
    await cliOk('chat', 'send', '--home', b, chat, 'reply from bob');
    const onA = await cliOk('chat', 'show', '--home', a, chat, '--json', '--wait-for', 'reply from bob', '--timeout', '10');
    const transcript = JSON.parse(onA.last) as { content: string }[];
    expect(transcript.map((m) => m.content)).toEqual([`first ${CANARY}`, 'reply from bob']);
    const list = await cliOk('chat', 'list', '--home', b, '--json');
    expect((JSON.parse(list.last) as { title: string }[]).map((c) => c.title)).toEqual(['Plans']);
    const devices = await cliOk('devices', 'list', '--home', b);
    expect(devices.out.join('\n')).toMatch(/admin +alice/);
    expect(devices.out.join('\n')).toMatch(/device +bob \(this device\)/);
  });

  it('stores an API key and chat text only as ciphertext on the relay', async () => {
    const { loadCrypto } = await import('@tendril/crdt-schema/crypto');
    const { openHome } = await import('../src/home/device-home.ts');
    const { openNodeSession } = await import('../src/peer/node-peer.ts');
    const crypto = await loadCrypto();
    const peer = await openNodeSession(crypto, openHome(crypto, a), { clientName: 'test' });
    const { settings } = await peer.openSettings();
    settings.upsertProvider({ id: 'openai' as ProviderId, kind: 'openai', baseUrl: 'https://api.example.com/v1', models: ['m'] });
    settings.setApiKey('openai' as ProviderId, KEY_CANARY);
    settings.setSystemPrompt(`prompt ${CANARY}`);
    expect(await peer.syncOrQueue(10_000)).toBe('synced');
    await peer.close();
    await cliOk('sync', '--home', b);

    const files = readdirSync(join(dir.path, 'relay'));
    expect(files.some((f) => f.endsWith('.sqlite'))).toBe(true);
    let scanned = 0;
    for (const f of files) {
      const bytes = readFileSync(join(dir.path, 'relay', f));
      scanned += bytes.length;
      for (const needle of [...encodings(CANARY), ...encodings(KEY_CANARY)]) expect(bytes.includes(needle), `${f} contains ${needle}`).toBe(false);
    }
    expect(scanned).toBeGreaterThan(10_000);
  });

  it('queues a change when the relay is unreachable and sends it on the next sync', async () => {
    const chat = JSON.parse((await cliOk('chat', 'list', '--home', a, '--json')).last)[0].id as string;
    await relay.kill('SIGKILL');
    const queued = await cliOk('chat', 'send', '--home', a, chat, 'queued while relay down');
    expect(queued.out.join('\n')).toMatch(/queued: relay not reachable, \d+ change\(s\) not yet saved to relay/);
    relay = await startRelayProcess(join(dir.path, 'relay'), relay.port);
    await cliOk('sync', '--home', a);
    const onB = await cliOk('chat', 'show', '--home', b, chat, '--wait-for', 'queued while relay down', '--timeout', '10');
    expect(onB.out.filter((l) => l.includes('queued while relay down'))).toHaveLength(1);
  });
});
