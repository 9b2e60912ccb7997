/**
 * `tendril relay-admin`: keygen writes an owner-only operator key (never over an existing file) and
 * prints the public key the relay takes; kill and revive with that key switch the running relay's
 * proxy (seen in its /metrics); another key is refused and switches nothing.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, cliOk, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';

const dir = tempDir('relay-admin');
let relay: RelayProcess | undefined;
afterAll(async () => {
  await relay?.kill();
  dir.remove();
});

const killed = async (provider: string): Promise<string | undefined> =>
  new RegExp(`tendril_proxy_killed\\{provider="${provider}"\\} (\\d)`).exec(await (await fetch(`${relay!.url}/metrics`)).text())?.[1];

describe('tendril relay-admin', () => {
  it('generates an operator key, and kills and revives a provider on a relay started with it', async () => {
    const key = join(dir.path, 'operator.pem');
    const gen = await cliOk('relay-admin', 'keygen', '--key', key);
    const publicKey = gen.last;
    expect(publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key, 'utf8')).toContain('BEGIN PRIVATE KEY');
    const again = await cli('relay-admin', 'keygen', '--key', key);
    expect(again.code).toBe(1);
    expect(again.err.join('\n')).toContain('not overwritten');

    relay = await startRelayProcess(join(dir.path, 'relay'), 0, [], { TENDRIL_PROXY_OPERATOR_KEY: publicKey });
    expect(await killed('openai')).toBe('0');
    expect((await cliOk('relay-admin', 'kill', '--relay', relay.url, '--key', key, '--provider', 'openai')).last).toBe('off: openai');
    expect(await killed('openai')).toBe('1');
    expect(await killed('anthropic')).toBe('0');

    const other = join(dir.path, 'other.pem');
    await cliOk('relay-admin', 'keygen', '--key', other);
    const refused = await cli('relay-admin', 'revive', '--relay', relay.url, '--key', other, '--provider', 'openai');
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toContain('E_AUTH_FAILED');
    expect(await killed('openai')).toBe('1');

    expect((await cliOk('relay-admin', 'revive', '--relay', relay.url.replace('http:', 'ws:'), '--key', key)).last).toBe('off: none');
    expect(await killed('openai')).toBe('0');
    expect((await cliOk('relay-admin', 'kill', '--relay', relay.url, '--key', key)).last).toBe('off: openai, anthropic, gemini, fetch');
  }, 60_000);

  it('explains bad use', async () => {
    expect((await cli('relay-admin', 'stop', '--key', 'x')).err.join('\n')).toContain('usage: tendril relay-admin');
    const missing = await cli('relay-admin', 'kill', '--relay', 'http://127.0.0.1:1', '--key', join(dir.path, 'nope.pem'));
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toContain('cannot read the operator key');
    expect(existsSync(join(dir.path, 'nope.pem'))).toBe(false);
  });
});
