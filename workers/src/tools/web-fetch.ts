/**
 * The `web_fetch` tool, and the gated fetch it shares with the plugin host:
 * the network grant is checked for the first host and for every redirect
 * target, and the fetch is logged once (allowed with status and size, or
 * error), each refusal on its own.
 */
import type { Timers } from '../llm/deps.ts';
import { isAccessDenied, type AccessGate } from '../plugins/access-gate.ts';
import { fetchText, type FetchedText, type FetchLimits } from './fetch-text.ts';
import type { AgentTool } from './tool.ts';

export interface GatedFetchOptions {
  readonly gate: AccessGate;
  readonly fetch: typeof globalThis.fetch;
  readonly limits?: Partial<FetchLimits>;
  readonly timers?: Timers;
  readonly signal?: AbortSignal;
}

const hostOf = (raw: string): string => (URL.canParse(raw) ? new URL(raw).host : raw.slice(0, 200));

export async function gatedFetchText(raw: string, o: GatedFetchOptions): Promise<FetchedText> {
  const { gate } = o;
  let hop = 0;
  try {
    const result = await fetchText(raw, {
      fetch: o.fetch,
      ...(o.limits ? { limits: o.limits } : {}),
      ...(o.timers ? { timers: o.timers } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      allow: (url) => {
        gate.require('network', url.host, hop === 0 ? `GET ${url.href}` : `redirect to ${url.href}`);
        if (hop > 0) gate.record({ kind: 'network', resource: url.host, outcome: 'allowed', detail: `redirect to ${url.href}` });
        hop++;
      },
    });
    gate.record({ kind: 'network', resource: hostOf(raw), outcome: 'allowed', detail: `GET ${raw.slice(0, 500)} -> ${result.status}, ${result.bytes} bytes` });
    return result;
  } catch (e) {
    if (!isAccessDenied(e)) {
      gate.record({ kind: 'network', resource: hostOf(raw), outcome: 'error', detail: `GET ${raw.slice(0, 500)}: ${e instanceof Error ? e.message : String(e)}` });
    }
    throw e;
  }
}

export function webFetchTool(o: Omit<GatedFetchOptions, 'signal'>): AgentTool {
  return {
    kind: 'network',
    spec: {
      name: 'web_fetch',
      description: 'Fetch a web page or text document by URL and return its readable text (HTML is reduced to text). Only hosts the user allowed can be fetched.',
      parameters: {
        type: 'object',
        properties: { url: { type: 'string', description: 'An http or https URL.' } },
        required: ['url'],
        additionalProperties: false,
      },
    },
    async run(args, ctx) {
      const url = typeof args.url === 'string' ? args.url : '';
      const r = await gatedFetchText(url, { ...o, signal: ctx.signal });
      const head = [`URL: ${r.url}`, `Status: ${r.status}`, `Content-Type: ${r.contentType}`, ...(r.title ? [`Title: ${r.title}`] : []), ...(r.truncated ? ['(truncated)'] : [])];
      return `${head.join('\n')}\n\n${r.text}`;
    },
  };
}
