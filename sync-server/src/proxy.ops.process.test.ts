/**
 * The proxy's operator controls in the real relay program (main.ts as a process): the kill file
 * re-read on SIGHUP and a kill by a request signed with the operator key each answer 503 to the
 * next member request, revive restores it; /metrics shows the proxy series; the daily cost alert
 * reaches a local webhook once; no log line carries the member's key.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { FrameType, OPERATOR_PROOF_HEADER, PROXY_PROOF_HEADER, signOperatorRequest, signProxyRequest } from '@tendril/crdt-schema/wire';
import { replyJson, startFakeUpstream, type FakeUpstream } from './proxy/fake-upstream.ts';
import { testKey, type TestKey } from './testing/keys.ts';
import { spawnRelay, type RelayProcess } from './testing/spawn-relay.ts';
import { tempDirs } from './testing/temp-dir.ts';
import { TestClient } from './testing/test-client.ts';
import { waitFor } from './testing/wait.ts';

const dirs = tempDirs();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
afterAll(() => dirs.cleanup());

const KEY = 'sk-proj-PROCESSCANARY42';
const PATH = '/v1/proxy/chat/completions';
const BODY = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

async function webhook() {
  const got: unknown[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got };
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe('proxy operations in the relay process', () => {
  it('kills by kill file + SIGHUP and by a signed admin request, shows it in /metrics, alerts once, logs no key', async () => {
    const up: FakeUpstream = await startFakeUpstream((_r, res) => replyJson(res, 200, { model: 'gpt-4o', usage: { prompt_tokens: 100, completion_tokens: 50 } }));
    cleanups.push(() => up.close());
    const hook = await webhook();
    const dir = dirs.make();
    const killFile = join(dir, 'proxy-kill');
    const operator = testKey();
    const relay: RelayProcess = await spawnRelay(join(dir, 'data'), [
      '--proxy-kill-file', killFile,
      '--proxy-operator-key', Buffer.from(operator.publicKey).toString('base64'),
      '--proxy-cost-alert-usd', '0.0001',
    ], { TENDRIL_PROXY_OPENAI_URL: up.url, TENDRIL_PROXY_ALERT_WEBHOOK: hook.url });
    cleanups.push(() => relay.child.stop('SIGTERM'));

    // A member: a device that registered a workspace at this relay.
    const device = testKey();
    const workspace = newWorkspaceId();
    const client = await TestClient.connect(relay.url);
    cleanups.push(async () => void (await client.close()));
    expect((await client.hello(device, workspace, { register: [device.publicKey] })).type).toBe(FrameType.Welcome);
    const ask = async (): Promise<number> => {
      const proof = signProxyRequest({ workspace, device: device.id, sign: device.sign, now: () => Date.now(), randomBytes: (n) => new Uint8Array(randomBytes(n)) }, { method: 'POST', path: PATH, body: new TextEncoder().encode(BODY) });
      const res = await fetch(`${relay.url}${PATH}`, { method: 'POST', headers: { [PROXY_PROOF_HEADER]: proof, authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: BODY });
      await res.arrayBuffer();
      return res.status;
    };
    const admin = async (action: 'kill' | 'revive', key: TestKey, provider = 'openai'): Promise<number> => {
      const path = `/v1/proxy/admin/${action}`;
      const body = JSON.stringify({ provider });
      const proof = signOperatorRequest({ sign: key.sign, now: () => Date.now(), randomBytes: (n) => new Uint8Array(randomBytes(n)) }, { method: 'POST', path, body: new TextEncoder().encode(body) });
      const res = await fetch(`${relay.url}${path}`, { method: 'POST', headers: { [OPERATOR_PROOF_HEADER]: proof }, body });
      await res.arrayBuffer();
      return res.status;
    };
    const reloads = (): number => count(relay.child.stderr(), '"event":"proxy.kill_file_read"');

    expect(await ask()).toBe(200);

    // The kill file, re-read on SIGHUP: the request right after the reload is refused.
    writeFileSync(killFile, '# incident: spend spike\nopenai\n');
    relay.child.process.kill('SIGHUP');
    await waitFor(() => reloads() === 1, 'the kill file reload');
    expect(await ask()).toBe(503);
    writeFileSync(killFile, 'open-ai\n'); // a typo changes nothing
    relay.child.process.kill('SIGHUP');
    await waitFor(() => relay.child.stderr().includes('"event":"proxy.kill_file_refused"'), 'the refused reload');
    expect(await ask()).toBe(503);
    writeFileSync(killFile, '');
    relay.child.process.kill('SIGHUP');
    await waitFor(() => reloads() === 2, 'the second kill file reload');
    expect(await ask()).toBe(200);

    // The signed admin request: only the operator key switches.
    expect(await admin('kill', device)).toBe(401);
    expect(await admin('kill', testKey())).toBe(401);
    expect(await ask()).toBe(200);
    expect(await admin('kill', operator)).toBe(200);
    expect(await ask()).toBe(503);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toContain('tendril_proxy_killed{provider="openai"} 1');
    expect(metrics).toMatch(/tendril_proxy_requests_total\{provider="openai",status="200"\} 3/);
    expect(metrics).toMatch(/tendril_proxy_requests_total\{provider="openai",status="503"\} 3/);
    expect(metrics).toContain('tendril_proxy_tokens_total{provider="openai",model="gpt-4o",direction="input"} 300');
    expect(await admin('revive', operator)).toBe(200);
    expect(await ask()).toBe(200);

    // Each answered request cost 0.00075 USD; the first passed the alert amount: one message, not five.
    await waitFor(() => hook.got.length > 0, 'the cost alert');
    expect(hook.got).toHaveLength(1);
    expect(hook.got[0]).toMatchObject({ event: 'tendril.proxy.cost_alert', thresholdUsd: 0.0001 });

    // The line is written as the request ends, maybe just after the caller read its answer.
    await waitFor(() => count(relay.child.stderr(), '"event":"proxy.usage"') === 7, 'a usage line per request');
    const log = relay.child.stderr();
    expect(log).not.toContain('PROCESSCANARY');
  });

  it('refuses to start with a kill file that does not parse', async () => {
    const dir = dirs.make();
    const killFile = join(dir, 'proxy-kill');
    writeFileSync(killFile, 'everything\n');
    await expect(spawnRelay(join(dir, 'data'), ['--proxy-kill-file', killFile])).rejects.toThrow(/kill file line 1: unknown name "everything"/);
  });
});
