/**
 * Fixed plugin ids: the agent (its tools are granted and logged as this
 * plugin) and the plugins shipped in workers/plugins. Plugin ids have the
 * shape of random ids (22 base64url characters), so these are spelled to fit.
 */
import type { PluginId } from '@tendril/crdt-schema/ids';
import { AGENT_PLUGIN_ID } from '@tendril/crdt-schema/schema';

/** Defined beside the plugin manifests, where the app can read it too. */
export { AGENT_PLUGIN_ID };

export const FOLDER_INDEXER_ID = 'folder-indexer-builtin' as PluginId;
export const CHAT_DIGEST_ID = 'chat-digest-builtin-v1' as PluginId;
export const BROWSER_HISTORY_ID = 'browser-history-plugin' as PluginId;
export const MAIL_TASKS_ID = 'mail-tasks-builtin-v01' as PluginId;
export const CALENDAR_ID = 'calendar-builtin-v0001' as PluginId;

/** Short names accepted wherever a plugin is named on the command line. */
export const PLUGIN_ALIASES: Readonly<Record<string, PluginId>> = {
  agent: AGENT_PLUGIN_ID,
  'folder-indexer': FOLDER_INDEXER_ID,
  'chat-digest': CHAT_DIGEST_ID,
  'browser-history': BROWSER_HISTORY_ID,
  'mail-tasks': MAIL_TASKS_ID,
  calendar: CALENDAR_ID,
};
