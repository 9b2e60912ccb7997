/**
 * The relay's LLM proxy, mounted by the relay's HTTP server:
 * `if (await proxy(req, res)) return;` before its other routes.
 */
export { createLlmProxy, type LlmProxyDeps, type LlmProxyHandler, type ProxyLogFields, type ProxyLogger, type UsageRecord } from './proxy.ts';
export { DEFAULT_PROXY_CONFIG, PROXY_NUMBER_SETTINGS, PROXY_PROVIDERS, proxyConfigFromEnv, resolveProxyConfig, type LlmProxyConfig, type ProxyProvider } from './config.ts';
export { matchRoute as matchProxyRoute, ROUTES as PROXY_ROUTES, type Route as ProxyRoute } from './routes.ts';
export { createCallerCheck, type Caller, type ProxyMembers } from './caller.ts';
export type { ProxyClock } from './upstream.ts';
export { proxyRoute } from './mount.ts';
