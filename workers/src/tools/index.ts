/**
 * Agent tools for workers: web fetch, workspace search, gateway commands,
 * the toolbox that runs the model's calls, and the tool loop of an answer.
 * Each tool checks the agent's grants and logs its accesses.
 */
export { agentToolbox, grantedAgentTools, type AgentToolsOptions } from './agent-tools.ts';
export { DEFAULT_FETCH_LIMITS, fetchText, parseHttpUrl, type FetchedText, type FetchLimits, type FetchTextOptions } from './fetch-text.ts';
export { INDEX_CHAT_PREFIX, parseIndexEntry, type IndexEntry } from './folder-index-format.ts';
export { GATEWAY_COMMAND_LIMITS, type GatewayCommandRequest, type GatewayCommandResult, type GatewayCommands } from './gateway-commands.ts';
export { decodeEntities, htmlTitle, htmlToText } from './html-text.ts';
export { runCommandTool } from './run-command.ts';
export { describeFailure, MAX_TOOL_RESULT_CHARS, toolbox, type AgentTool, type ToolContext, type Toolbox } from './tool.ts';
export { DEFAULT_MAX_TOOL_ROUNDS, LIMIT_NOTE, toolLoop, type ToolLoopOptions } from './tool-loop.ts';
export { gatedFetchText, webFetchTool, type GatedFetchOptions } from './web-fetch.ts';
export { PROXY_FETCH_PATH, relayFetch, type RelayFetchOptions } from './relay-fetch.ts';
export { formatHits, searchDocs, searchTerms, searchWorkspaceTool, type SearchDoc, type SearchHit } from './workspace-search.ts';
