/** Random operations on the settings and permissions documents. */
import { DANGEROUS_KINDS, OUTCOMES, parseProviderId, PERMISSION_KINDS, THEMES, type ProviderKind } from '../schema/index.ts';
import { docs, text, type Op, type OpContext } from './ops-context.ts';

const PROVIDERS: readonly [string, ProviderKind][] = [['openai', 'openai'], ['anthropic', 'anthropic'], ['gemini', 'gemini'], ['local', 'ollama']];
const RESOURCES = ['*', '/notes', '/work', 'api.example.com'];

function provider(ctx: OpContext): { id: ReturnType<typeof parseProviderId>; kind: ProviderKind } {
  const [id, kind] = ctx.prng.pick(PROVIDERS);
  return { id: parseProviderId(id), kind };
}

export const upsertProvider: Op = (ctx) => {
  const p = provider(ctx);
  docs(ctx).settings.upsertProvider({
    ...p,
    baseUrl: ctx.prng.bool(0.5) ? `https://${p.id}.example.com/v${ctx.prng.int(1, 2)}` : undefined,
    models: ctx.prng.bool(0.5) ? [`${p.id}-${ctx.prng.int(1, 3)}`, `${p.id}-mini`] : undefined,
  });
  return true;
};

const withProvider = (f: (ctx: OpContext, id: ReturnType<typeof parseProviderId>) => void): Op => (ctx) => {
  const list = docs(ctx).settings.providers();
  if (list.length === 0) return false;
  f(ctx, ctx.prng.pick(list).id);
  return true;
};

export const setApiKey = withProvider((ctx, id) => docs(ctx).settings.setApiKey(id, ctx.prng.bool(0.9) ? `sk-${text(ctx, 8, 16)}` : undefined));
export const toggleProvider = withProvider((ctx, id) => docs(ctx).settings.setProviderEnabled(id, ctx.prng.bool()));
export const setDefaultModel = withProvider((ctx, id) => docs(ctx).settings.setDefaultModel({ provider: id, model: `${id}-${ctx.prng.int(1, 3)}` }));

export const setTheme: Op = (ctx) => (docs(ctx).settings.setTheme(ctx.prng.pick(THEMES)), true);
export const setSystemPrompt: Op = (ctx) => (docs(ctx).settings.setSystemPrompt(text(ctx, 0, 60)), true);
export const setRelayUrl: Op = (ctx) => (docs(ctx).settings.setRelayUrl(`wss://relay${ctx.prng.int(1, 3)}.example.com`), true);

export const installPlugin: Op = (ctx) => {
  const id = ctx.prng.pick(ctx.plugins);
  const kind = ctx.prng.pick(PERMISSION_KINDS);
  // A kind that reaches much private data must be marked so, as a real manifest does.
  const permissions = [{ kind, resource: ctx.prng.pick(RESOURCES), reason: text(ctx), ...(DANGEROUS_KINDS.includes(kind) ? { dangerous: true as const } : {}) }];
  docs(ctx).perms.plugins.install(
    { id, name: `plugin ${id.slice(0, 4)}`, version: `1.${ctx.prng.int(0, 9)}.0`, description: text(ctx, 0, 30), permissions, entry: 'main.js', ...(ctx.prng.bool() ? { schedule: '0 * * * *' } : {}) },
    ctx.peer.device,
  );
  return true;
};

const target = (ctx: OpContext) => ({ plugin: ctx.prng.pick(ctx.plugins), kind: ctx.prng.pick(PERMISSION_KINDS), resource: ctx.prng.pick(RESOURCES) });

export const decideGrant: Op = (ctx) => {
  docs(ctx).perms.grants.decide(target(ctx), ctx.prng.bool(0.7) ? 'granted' : 'denied', ctx.peer.device);
  return true;
};

export const revokeGrant: Op = (ctx) => {
  const list = docs(ctx).perms.grants.list().filter((g) => g.revokedAt === undefined);
  if (list.length === 0) return false;
  docs(ctx).perms.grants.revoke(ctx.prng.pick(list), ctx.peer.device);
  return true;
};

export const appendActivity: Op = (ctx) => {
  const n = ctx.prng.int(1, 3);
  const entries = Array.from({ length: n }, () => ({
    plugin: ctx.prng.pick(ctx.plugins),
    permission: ctx.prng.pick(PERMISSION_KINDS),
    resource: ctx.prng.pick(RESOURCES),
    outcome: ctx.prng.pick(OUTCOMES),
    ...(ctx.prng.bool(0.3) ? { detail: text(ctx) } : {}),
  }));
  docs(ctx).perms.activity.append(ctx.peer.device, entries);
  return true;
};
