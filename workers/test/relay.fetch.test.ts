/**
 * A tab's web_fetch end to end: the agent's tool (pageAgentTools) with a fetch signed as a member
 * device and sent to the real relay process's /v1/proxy/fetch, which fetches a local test site
 * (allowed only because this relay runs with --proxy-fetch-allow-private on); the redirect comes
 * back to the tool, which checks the grant for the next hop itself. A relay with the default
 * settings refuses the same local site as the relay's own network.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { AGENT_PLUGIN_ID, permissionsDoc } from '@tendril/crdt-schema/schema';
import { signingFetch } from '@tendril/crdt-schema/wire';
import { openHome } from '../src/home/device-home.ts';
import { memoryChatAccess } from '../src/plugins/chat-access.ts';
import { pageAgentTools } from '../src/tools/page-tools.ts';
import { relayFetch } from '../src/tools/relay-fetch.ts';
import { cliOk, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';

/** A fetch that signs as the device of a workspace `tendril init` registered at the relay. */
async function memberSigningFetch(home: string, relayUrl: string): Promise<typeof fetch> {
  const crypto = await loadCrypto();
  await cliOk('init', '--home', home, '--relay', relayUrl, '--name', 'op');
  const h = openHome(crypto, home);
  const { identity } = h;
  const workspace = h.config.workspace;
  h.close();
  return signingFetch({ workspace, device: identity.deviceId, sign: (m) => crypto.sign(m, identity.signSecretKey.expose()), now: () => Date.now(), randomBytes: (n) => crypto.randomBytes(n) });
}

describe('web fetch through the relay process', () => {
  const dir = tempDir('fetch');
  let site: Server;
  let siteUrl = '';
  const hits: string[] = [];
  let open: RelayProcess;
  let guarded: RelayProcess;
  beforeAll(async () => {
    site = createServer((req, res) => {
      hits.push(req.url ?? '/');
      if (req.url === '/moved') res.writeHead(302, { location: '/guide' }).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<title>Guide</title><p>the ferry leaves at seven</p>');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    [open, guarded] = await Promise.all([
      startRelayProcess(join(dir.path, 'open'), 0, ['--proxy-fetch-allow-private', 'on']),
      startRelayProcess(join(dir.path, 'guarded')),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([open?.kill(), guarded?.kill()]);
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
    dir.remove();
  });

  it('serves a member tab the page, returning the redirect for the tool to check, and logs the access', async () => {
    const signed = await memberSigningFetch(join(dir.path, 'home-open'), open.url);
    const permissions = permissionsDoc(new Y.Doc());
    const me = 'A'.repeat(43) as Parameters<typeof pageAgentTools>[0]['device'];
    const tools = pageAgentTools({ permissions, device: me, chats: memoryChatAccess({ device: me }), fetch: relayFetch({ relay: open.url, signedFetch: signed }) });
    permissions.grants.decide({ plugin: AGENT_PLUGIN_ID, kind: 'network', resource: new URL(siteUrl).host }, 'granted', me);
    const out = await tools()!.execute({ id: 'c', name: 'web_fetch', arguments: JSON.stringify({ url: `${siteUrl}/moved` }) }, new AbortController().signal);
    expect(out).toContain(`URL: ${siteUrl}/guide`);
    expect(out).toContain('Title: Guide');
    expect(out).toContain('the ferry leaves at seven');
    // Two requests, one per hop: the relay did not follow the redirect itself.
    expect(hits).toEqual(['/moved', '/guide']);
    expect(permissions.activity.read().map((e) => `${e.permission} ${e.outcome}`)).toEqual(['network allowed', 'network allowed']);
  }, 60_000);

  it('refuses an unsigned request (401), and with default settings the relay own network (403 E_PROXY_FETCH_BLOCKED)', async () => {
    const before = hits.length;
    const body = JSON.stringify({ url: `${siteUrl}/guide` });
    const unsigned = await fetch(`${open.url}/v1/proxy/fetch`, { method: 'POST', body });
    expect(unsigned.status).toBe(401);
    const signed = await memberSigningFetch(join(dir.path, 'home-guarded'), guarded.url);
    for (const url of ['http://127.0.0.1/', 'http://169.254.169.254/latest/meta-data/', `${siteUrl}/guide`]) {
      const res = await signed(`${guarded.url}/v1/proxy/fetch`, { method: 'POST', body: JSON.stringify({ url }) });
      const error = ((await res.json()) as { error: { code: string } }).error;
      expect([url, res.status, error.code]).toEqual([url, 403, 'E_PROXY_FETCH_BLOCKED']);
    }
    expect(hits.length).toBe(before);
  }, 60_000);
});
