/**
 * `tendril relay --redis`: the relay users run, with its data in a real
 * redis-server. A chat written through one relay process is there for a
 * device that joins through a relay started afterwards on a fresh data
 * directory (so it came from Redis), no SQLite database is made, and no file
 * Redis persists holds the chat text in any encoding.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '@tendril/sync-server/testing/redis-server';
import { cliOk, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';

const CANARY = 'canary-redis-4b1d-tendril';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('tendril relay --redis', { timeout: 60_000 }, () => {
  const dir = tempDir('relay-redis');
  let redis: TestRedis;
  let relay: RelayProcess | undefined;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await relay?.kill();
    await redis?.cleanup();
    dir.remove();
  });

  it('keeps the workspace in Redis across relay processes, as ciphertext only', async () => {
    const [a, b] = [join(dir.path, 'a'), join(dir.path, 'b')];
    const [firstData, secondData] = [join(dir.path, 'relay-1'), join(dir.path, 'relay-2')];
    relay = await startRelayProcess(firstData, 0, ['--redis', redis.url]);
    await cliOk('init', '--home', a, '--relay', relay.url, '--name', 'alice');
    const chat = (await cliOk('chat', 'new', '--home', a, '--title', 'Plans')).last;
    await cliOk('chat', 'send', '--home', a, chat, `first ${CANARY}`);
    const port = relay.port;
    await relay.kill('SIGKILL');

    relay = await startRelayProcess(secondData, port, [], { TENDRIL_REDIS_URL: redis.url });
    const link = (await cliOk('invite', '--home', a, '--role', 'device', '--expires', '10m')).last;
    await cliOk('join', '--home', b, link, '--name', 'bob');
    const onB = await cliOk('chat', 'show', '--home', b, chat, '--wait-for', CANARY, '--timeout', '10');
    expect(onB.out).toEqual([`[user] first ${CANARY}`]);

    expect(existsSync(join(firstData, 'relay.sqlite')) || existsSync(join(secondData, 'relay.sqlite'))).toBe(false);
    const persisted = filesUnder(redis.dir);
    expect(persisted.some((f) => f.includes('appendonly'))).toBe(true);
    const text = Buffer.from(CANARY);
    for (const f of persisted) {
      const bytes = readFileSync(f);
      for (const enc of [text, Buffer.from(text.toString('base64')), Buffer.from(text.toString('hex')), Buffer.from(CANARY.slice(4, 16))]) {
        expect(bytes.includes(enc), `${f} holds the chat text`).toBe(false);
      }
    }
  });
});
