/**
 * Plugins in workers: manifests are installed in the permissions document,
 * the user grants or denies each permission, and the worker runs a plugin in
 * a worker thread that can reach the outside only by asking the host, which
 * checks the grant at that moment and logs every access.
 */
export { AccessDenied, candidates, createAccessGate, isAccessDenied, type AccessGate, type AccessRecord, type Decision, type GateOptions } from './access-gate.ts';
export { AGENT_PLUGIN_ID, BROWSER_HISTORY_ID, CALENDAR_ID, CHAT_DIGEST_ID, FOLDER_INDEXER_ID, MAIL_TASKS_ID, PLUGIN_ALIASES } from './builtin.ts';
export { readNewMail, type MailBatch, type MailCursor, type MailMessage } from './mail-reader.ts';
export { eventsOf, readCalendarEvents, type CalendarItem } from './calendar-reader.ts';
export { sessionSources } from './workspace-sources.ts';
export { memoryChatAccess, sessionChatAccess, type ChatAccess } from './chat-access.ts';
export { parseCron, type Cron } from './cron.ts';
export { FolderWatcher, snapshotFolder, WatchMode, type WatchHandle, type WatcherDeps } from './folder-watcher.ts';
export { FS_LIMITS, listFiles, nodeHostFs, readTextFile, type FileInfo, type FileText, type HostFs } from './host-fs.ts';
export { BUILTIN_PLUGINS_DIR, loadManifest, resolveEntry, type EntryOptions, type ResolvedEntry } from './plugin-entry.ts';
export { createPluginHost, MODEL_RESOURCE, NEW_CHAT, replyCode, type HostDeps, type PluginHost } from './plugin-host.ts';
export { HOST_OPS, parseThreadMessage, type HostMessage, type HostOp, type RunContext, type RunTrigger, type ThreadData, type ThreadMessage } from './plugin-protocol.ts';
export { DEFAULT_MAX_CALLS, DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT_MS, PluginRunner, RunStatus, type RunEvent, type RunnerDeps, type RunResult } from './plugin-runner.ts';
export { DEFAULT_MAX_RUNS, RunSlots } from './run-slots.ts';
export { PluginService, type PluginServiceOptions } from './plugin-service.ts';
export { startWorkerPlugins, type WorkerPlugins, type WorkerPluginsOptions } from './worker-plugins.ts';
export { fileStateStore, MAX_PLUGIN_STATE_BYTES, memoryStateStore, pluginDirs, type HostRecord, type PluginStateStore } from './plugin-state.ts';
export { CronScheduler, type SchedulerDeps } from './scheduler.ts';
