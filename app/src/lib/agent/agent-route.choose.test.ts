import { describe, expect, it } from 'vitest';
import { agentRoute, ANTHROPIC_BROWSER_HEADER } from './agent-route.ts';
import { connectPolicy } from './connect-policy.ts';

const ORIGIN = 'https://relay.example.org';
// The policy the relay serves by default, plus one operator origin.
const relayPolicy = connectPolicy(
  "default-src 'self'; connect-src 'self' http://localhost:* http://127.0.0.1:* http://*.local:* https://api.anthropic.com https://llm.corp.example; img-src 'self'",
  ORIGIN,
);

describe('connect policy', () => {
  it('matches origins the way connect-src does', () => {
    expect(relayPolicy.allows(`${ORIGIN}/v1/proxy/chat/completions`)).toBe(true);
    expect(relayPolicy.allows('http://127.0.0.1:11434/v1/chat/completions')).toBe(true);
    expect(relayPolicy.allows('http://gpu.local:8080/v1/')).toBe(true);
    expect(relayPolicy.allows('https://api.anthropic.com/v1/messages')).toBe(true);
    expect(relayPolicy.allows('https://llm.corp.example/v1/')).toBe(true);
    expect(relayPolicy.allows('https://llm.corp.example:8443/v1/')).toBe(false);
    expect(relayPolicy.allows('https://api.openai.com/v1/')).toBe(false);
    expect(relayPolicy.allows('https://evil.api.anthropic.com.attacker.example/')).toBe(false);
    expect(relayPolicy.allows('not a url')).toBe(false);
  });

  it('allows everything when the page came without a policy', () => {
    expect(connectPolicy(null, ORIGIN).allows('https://api.openai.com/v1/')).toBe(true);
  });
});

describe('agent route', () => {
  it('sends OpenAI and Gemini at their public APIs through the relay proxy, and a local or allowed base URL directly', () => {
    expect(agentRoute({ kind: 'openai' }, relayPolicy, ORIGIN)).toEqual({ via: 'proxy', baseUrl: `${ORIGIN}/v1/proxy` });
    expect(agentRoute({ kind: 'gemini' }, relayPolicy, ORIGIN)).toEqual({ via: 'proxy', baseUrl: `${ORIGIN}/v1/proxy/gemini` });
    expect(agentRoute({ kind: 'gemini', baseUrl: 'https://generativelanguage.googleapis.com/' }, relayPolicy, ORIGIN)).toEqual({ via: 'proxy', baseUrl: `${ORIGIN}/v1/proxy/gemini` });
    expect(agentRoute({ kind: 'gemini', baseUrl: 'http://127.0.0.1:9000' }, relayPolicy, ORIGIN)).toEqual({ via: 'direct', baseUrl: 'http://127.0.0.1:9000' });
    expect(agentRoute({ kind: 'openai', baseUrl: 'http://127.0.0.1:9000/v1/' }, relayPolicy, ORIGIN)).toEqual({ via: 'direct', baseUrl: 'http://127.0.0.1:9000/v1' });
    expect(agentRoute({ kind: 'ollama' }, relayPolicy, ORIGIN)).toEqual({ via: 'direct', baseUrl: 'http://127.0.0.1:11434/v1' });
    expect(agentRoute({ kind: 'openai', baseUrl: 'https://llm.corp.example/v1' }, relayPolicy, ORIGIN)).toMatchObject({ via: 'direct' });
  });

  it('calls Anthropic directly with its opt-in header for browser calls', () => {
    expect(agentRoute({ kind: 'anthropic' }, relayPolicy, ORIGIN)).toEqual({ via: 'direct', baseUrl: 'https://api.anthropic.com', headers: ANTHROPIC_BROWSER_HEADER });
  });

  it('names the origin and the fix when the page may not call the provider', () => {
    // The proxy forwards to its own upstream only: a Gemini elsewhere is the page's to reach, or a worker's.
    const gemini = agentRoute({ kind: 'gemini', baseUrl: 'https://gemini.corp.example' }, relayPolicy, ORIGIN);
    expect(gemini).toMatchObject({ via: 'none' });
    expect(gemini.via === 'none' && gemini.reason).toMatch(/gemini provider at https:\/\/gemini\.corp\.example.*TENDRIL_RELAY_CONNECT_SRC.*tendril worker/);
    const other = agentRoute({ kind: 'openai', baseUrl: 'https://api.together.xyz/v1' }, relayPolicy, ORIGIN);
    expect(other.via === 'none' && other.reason).toMatch(/https:\/\/api\.together\.xyz.*connect-src/);
  });
});
