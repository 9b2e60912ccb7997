/**
 * Kill switches: a provider switched off (by the kill file's names or a signed admin request)
 * answers 503 E_PROXY_DISABLED to the very next request, and comes back when revived. The admin
 * routes take only requests signed by the operator key, fresh and used once; a member's device key,
 * another key, a changed body or a replay changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR_PROOF_HEADER, signOperatorRequest } from '@tendril/crdt-schema/wire';
import { testKey, type TestKey } from '../testing/keys.ts';
import { waitFor } from '../testing/wait.ts';
import { createProxyAdmin } from './admin.ts';
import { replyJson } from './fake-upstream.ts';
import { proxyHarness, type ProxyUnderTest } from './harness.ts';
import { reloadKillFile } from './kill-file.ts';
import { createKillSwitch, parseKillFile, type KillSwitch } from './kill-switch.ts';

const h = proxyHarness();
const PATH = '/v1/proxy/chat/completions';
const BODY = '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}';
const ANT_PATH = '/v1/proxy/messages';
const ANT_BODY = '{"model":"claude-3-5-haiku","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}';
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

async function setup() {
  const up = await h.upstream((_r, res) => replyJson(res, 200, { model: 'gpt-4o', usage: { prompt_tokens: 1, completion_tokens: 1, input_tokens: 1, output_tokens: 1 } }));
  const kill = createKillSwitch();
  const p = await h.proxy({ upstreams: { openai: up.url, anthropic: up.url } }, { isDisabled: (t) => kill.isOff(t) });
  return { up, p, kill };
}

const ask = async (p: ProxyUnderTest, path = PATH, body = BODY) => {
  const res = await p.post(path, body, { authorization: 'Bearer sk-x', 'x-api-key': 'sk-ant-x' });
  const text = await res.text();
  return { status: res.status, code: (JSON.parse(text) as { error?: { code?: string } }).error?.code };
};

/** The admin routes on their own server, on the proxy's clock, switching `kill`. */
async function adminServer(p: ProxyUnderTest, kill: KillSwitch, operator: TestKey) {
  const logs: string[] = [];
  const log = (event: string, fields?: object) => void logs.push(JSON.stringify({ event, ...fields }));
  const handler = createProxyAdmin({ operatorKey: operator.publicKey, kill, now: () => p.clock.now(), windowMs: 60_000, log: { info: log, warn: log } });
  const server = createServer((req, res) => void handler(req, res).then((handled) => handled || res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.close();
    server.closeAllConnections();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (key: TestKey, path: string, body: string, time = p.clock.now()) =>
    signOperatorRequest({ sign: key.sign, now: () => time, randomBytes: (n) => new Uint8Array(randomBytes(n)) }, { method: 'POST', path, body: new TextEncoder().encode(body) });
  const send = async (path: string, body: string, proof: string | undefined) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: proof === undefined ? {} : { [OPERATOR_PROOF_HEADER]: proof }, body });
    const json = (await res.json()) as { off?: string[]; error?: { code?: string } };
    return { status: res.status, code: json.error?.code, off: json.off };
  };
  return { url, logs, sign, send };
}

describe('proxy kill switches', () => {
  it('answers 503 E_PROXY_DISABLED for a killed provider from the next request on, leaves the others, and revives', async () => {
    const { up, p, kill } = await setup();
    expect((await ask(p)).status).toBe(200);
    kill.kill('admin', 'openai');
    expect(await ask(p)).toEqual({ status: 503, code: 'E_PROXY_DISABLED' });
    expect((await ask(p, ANT_PATH, ANT_BODY)).status).toBe(200);
    kill.kill('file', 'all');
    expect(await ask(p, ANT_PATH, ANT_BODY)).toEqual({ status: 503, code: 'E_PROXY_DISABLED' });
    expect((await p.post('/v1/proxy/fetch', '{"url":"https://example.com/"}')).status).toBe(503);
    kill.revive('file', 'all');
    expect((await ask(p, ANT_PATH, ANT_BODY)).status).toBe(200);
    expect((await ask(p)).status).toBe(503);
    kill.revive('admin', 'openai');
    expect((await ask(p)).status).toBe(200);
    expect(up.requests).toHaveLength(4);
  });

  it('cuts requests in flight to a provider when it is switched off: a stream ends with an error event, a wait for headers gets 503', async () => {
    const hold: (() => void)[] = [];
    const up = await h.upstream(async (r, res) => {
      if (r.body.includes('"stream":true')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'partial' } }] })}\n\n`);
      }
      await new Promise<void>((resolve) => hold.push(resolve)); // never answers on its own
    });
    const kill = createKillSwitch();
    const p = await h.proxy({ upstreams: { openai: up.url } }, { isDisabled: (t) => kill.isOff(t), killSignal: (t) => kill.signal(t) });
    const streamBody = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [] });
    const stream = await p.post(PATH, streamBody, { authorization: 'Bearer sk-x' });
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('partial');
    const waiting = p.post(PATH, BODY, { authorization: 'Bearer sk-x' });
    await waitFor(() => up.requests.length === 2, 'both requests upstream');
    kill.kill('admin', 'openai');
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toContain('event: error');
    expect(rest).toContain('"code":"E_PROXY_DISABLED"');
    const refused = await waiting;
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('E_PROXY_DISABLED');
    expect(await Promise.all(up.requests.map((r) => r.closed))).toEqual(['aborted', 'aborted']);
    await waitFor(() => p.logs.filter((l) => l.includes('"event":"proxy.usage"')).length === 2, 'both usage lines');
    expect(p.logs.filter((l) => l.includes('"event":"proxy.usage"')).map((l) => (JSON.parse(l) as { error: string }).error)).toEqual(['E_PROXY_DISABLED', 'E_PROXY_DISABLED']);
    hold.forEach((release) => release());
  });

  it('keeps every other target off when one is revived under all', () => {
    const kill = createKillSwitch();
    kill.kill('admin', 'all');
    kill.revive('admin', 'openai');
    expect(kill.isOff('openai')).toBe(false);
    expect(kill.isOff('anthropic')).toBe(true);
    expect(kill.isOff('fetch')).toBe(true);
  });

  it('reads the kill file; a file with an unknown name is refused and changes nothing', async () => {
    expect(parseKillFile('# stop spending\nopenai\n\n  Anthropic  # too\n')).toEqual(['openai', 'anthropic']);
    expect(() => parseKillFile('openai\nopen-ai\n')).toThrow(/line 2: unknown name "open-ai"/);
    const kill = createKillSwitch();
    const logs: string[] = [];
    const log = { info: (e: string) => void logs.push(e), warn: (e: string) => void logs.push(e) };
    const file = (text: string) => () => Promise.resolve(Buffer.from(text));
    expect(await reloadKillFile('kill', kill, log, file('openai\n'))).toBe(true);
    expect(kill.state().off).toEqual(['openai']);
    expect(await reloadKillFile('kill', kill, log, file('openia\n'))).toBe(false);
    expect(kill.state().off).toEqual(['openai']);
    const missing = () => Promise.reject(Object.assign(new Error('gone'), { code: 'ENOENT' }));
    expect(await reloadKillFile('kill', kill, log, missing)).toBe(true);
    expect(kill.state().off).toEqual([]);
    expect(logs).toEqual(['proxy.kill_file_read', 'proxy.kill_file_refused', 'proxy.kill_file_read']);
  });

  it('switches by a request signed with the operator key: kill answers 503 to the next request, revive restores', async () => {
    const { p, kill } = await setup();
    const operator = testKey();
    const admin = await adminServer(p, kill, operator);
    const body = '{"provider":"openai"}';
    expect(await admin.send('/v1/proxy/admin/kill', body, admin.sign(operator, '/v1/proxy/admin/kill', body))).toMatchObject({ status: 200, off: ['openai'] });
    expect(await ask(p)).toEqual({ status: 503, code: 'E_PROXY_DISABLED' });
    expect(await admin.send('/v1/proxy/admin/revive', body, admin.sign(operator, '/v1/proxy/admin/revive', body))).toMatchObject({ status: 200, off: [] });
    expect((await ask(p)).status).toBe(200);
    expect(await admin.send('/v1/proxy/admin/kill', '', admin.sign(operator, '/v1/proxy/admin/kill', ''))).toMatchObject({ status: 200, off: ['openai', 'anthropic', 'gemini', 'fetch'] });
    expect(admin.logs.some((l) => l.includes('"event":"proxy.admin"') && l.includes('"action":"kill"'))).toBe(true);
  });

  it('refuses unsigned, wrong-key, member-key, changed, moved, stale and replayed admin requests and switches nothing', async () => {
    const { p, kill } = await setup();
    const operator = testKey();
    const admin = await adminServer(p, kill, operator);
    const KILL = '/v1/proxy/admin/kill';
    const body = '{"provider":"openai"}';
    expect(await admin.send(KILL, body, undefined)).toMatchObject({ status: 401, code: 'E_PROXY_PROOF' });
    expect(await admin.send(KILL, body, admin.sign(testKey(), KILL, body))).toMatchObject({ status: 401, code: 'E_AUTH_FAILED' });
    expect(await admin.send(KILL, body, admin.sign(p.admin.key, KILL, body))).toMatchObject({ status: 401, code: 'E_AUTH_FAILED' });
    // A member's own proxy proof for the same request is no operator proof.
    expect(await admin.send(KILL, body, p.proof(p.admin, KILL, body)['x-tendril-proof'])).toMatchObject({ status: 401, code: 'E_PROXY_PROOF' });
    expect(await admin.send(KILL, '{"provider":"all"}', admin.sign(operator, KILL, body))).toMatchObject({ status: 401, code: 'E_AUTH_FAILED' });
    expect(await admin.send(KILL, body, admin.sign(operator, '/v1/proxy/admin/revive', body))).toMatchObject({ status: 401, code: 'E_AUTH_FAILED' });
    expect(await admin.send(KILL, body, admin.sign(operator, KILL, body, p.clock.now() - 60_001))).toMatchObject({ status: 401, code: 'E_PROXY_PROOF_STALE' });
    expect(kill.state().off).toEqual([]);
    expect((await ask(p)).status).toBe(200);

    const revive = admin.sign(operator, '/v1/proxy/admin/revive', body);
    const once = admin.sign(operator, KILL, body);
    expect(await admin.send(KILL, body, once)).toMatchObject({ status: 200, off: ['openai'] });
    expect(await admin.send('/v1/proxy/admin/revive', body, revive)).toMatchObject({ status: 200, off: [] });
    // Replaying the kill after the revive would switch it off again: refused.
    expect(await admin.send(KILL, body, once)).toMatchObject({ status: 401, code: 'E_PROXY_REPLAY' });
    expect(kill.state().off).toEqual([]);
    expect(await admin.send(KILL, '{"provider":"openia"}', admin.sign(operator, KILL, '{"provider":"openia"}'))).toMatchObject({ status: 400, code: 'E_BAD_INPUT' });
    expect(kill.state().off).toEqual([]);
  });
});
