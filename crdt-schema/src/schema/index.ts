/**
 * The document schema: typed accessors for every document kind, schema
 * versions and upgrades. Callers never touch raw Y.Map keys; those live in
 * keys.ts and the accessors.
 */
export { DOC_KINDS, isDocKind, readMeta, type DocKind, type DocMeta } from './meta.ts';
export { assertWritable, CURRENT_VERSION, isWritable, stepsFor, type UpgradeResult, type UpgradeStep } from './version.ts';
export { UPGRADE_STEPS } from './upgrades.ts';
export type { AccessorOptions } from './writer.ts';
export { compareStrings } from './fields.ts';
export { isOrderKey, orderKeyBetween } from './order-key.ts';

export { workspaceDoc, type WorkspaceDoc, type WorkspaceInfo, type WorkspaceState } from './workspace.ts';
export { compareChats, type ChatEntry, type NewChat } from './workspace-chats.ts';
export { SESSION_STATES, SessionState, type NewSession, type SessionEntry, type SessionFailure } from './workspace-sessions.ts';
export { ROLES, type Member, type NewMember, type Role } from './workspace-members.ts';
export { HEALTH_STATUSES, type Announcement, type AnnouncementInput, type Health, type HealthStatus } from './workspace-announcements.ts';
export { HEALTH_FIGURE_LIMITS, parseHealthFigures, sameFigures, type HealthFigures } from './health-figures.ts';
export type { Lockbox } from './workspace-lockboxes.ts';

export { chatDoc, type ChatDoc, type ChatInfo, type ChatState, type NewMessage } from './chat.ts';
export {
  attachmentProblem, IMAGE_TYPES, isImageAttachment, isTextAttachment, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, type ChatAttachment,
} from './chat-attachments.ts';
export { MAX_TEMPERATURE, type ChatOptions, type ChatOptionsPatch } from './chat-options.ts';
export { MAX_CHAT_PRESETS, presetPatch, type ChatPreset, type ChatPresetInput } from './settings-chat-presets.ts';
export {
  compareMessages, describeRoute, ERROR_THEN, MESSAGE_ROLES, MESSAGE_STATUSES, MessageStatus, messageSortKey, ROUTE_VIAS,
  type ChatMessage, type MessageRole, type ReplyAgent, type RouteNote, type RouteVia, type Usage,
} from './chat-message.ts';
export { HOP_STATUSES, MAX_HOP_RESULT, MAX_HOP_TASK, type Hop, type HopStatus } from './chat-hops.ts';
export {
  checkStepFields, MAX_PLAN_STEPS, PLAN_STATES, PLAN_STEP_KINDS, STEP_DECISIONS, STEP_STATUSES,
  type Plan, type PlanState, type PlanStep, type PlanStepKind, type StepDecision, type StepFields, type StepStatus,
} from './chat-plan.ts';
export { activeBranch, type Branch, type BranchOptions, type VersionInfo } from './chat-branch.ts';
export type { Claim } from './chat-claims.ts';
export { MAX_MESSAGE_CHARS, MAX_WRITTEN_MESSAGE_BYTES, messageTooBig, utf8Length } from './message-size.ts';

export {
  AGENT_PRESETS, AGENT_TOOLS, AUTO_TARGET, builtInAssistant, checkAgentName, compareAgents, GENERAL_AGENT_ID, isChatTarget, parseChatTarget, PRESETS,
  type Agent, type AgentInput, type AgentPatch, type AgentPreset, type AgentToolName, type ChatTarget,
} from './settings-agents.ts';
export { DEFAULT_DELEGATION, type DelegationLimits } from './settings-delegation.ts';
export type { Playbook, PlaybookInput } from './settings-playbooks.ts';
export { MAX_PRICE, type PriceOverride } from './settings-prices.ts';
export { MAX_SPEND_LIMIT, SPEND_LIMIT_KINDS, type SpendLimitKind, type SpendLimits } from './settings-limits.ts';
export { DEFAULT_BACKUP_POLICY, MAX_KEPT, type BackupPolicy, type StoredBackupLease } from './settings-backup.ts';
export { settingsDoc, THEMES, type ModelRef, type SettingsDoc, type SettingsState, type Theme } from './settings.ts';
export {
  parseProviderId, PROVIDER_KINDS,
  type ApiKey, type ProviderId, type ProviderInput, type ProviderKind, type ProviderSummary,
} from './settings-providers.ts';

export {
  checkMemoryKey, checkMemoryValue, MAX_MEMORY_ENTRIES, MAX_MEMORY_KEY_CHARS, MAX_MEMORY_VALUE_CHARS, memoryDoc,
  type MemoryDoc, type MemoryEmbedding, type MemoryEntry, type MemoryState,
} from './memory.ts';

export { permissionsDoc, type PermissionsDoc, type PermissionsState } from './permissions.ts';
export { AGENT_PLUGIN_ID, DANGEROUS_KINDS, isDangerous, parsePluginManifest, PERMISSION_KINDS, type PermissionKind, type PermissionRequest, type PluginManifest } from './plugin-manifest.ts';
export type { InstalledPlugin } from './permissions-plugins.ts';
export type { RunLease } from './permissions-leases.ts';
export { GRANT_DECISIONS, type Grant, type GrantDecision, type GrantTarget } from './permissions-grants.ts';
export { RUN_OUTCOMES, RUN_TRIGGERS, type RunOutcome, type RunRecord, type RunRecordInput, type RunRequest, type RunTriggerKind } from './permissions-runs.ts';
export { ACTIVITY_SEGMENT_CAP, compareActivity, OUTCOMES, type ActivityEntry, type ActivityInput, type Outcome } from './activity-log.ts';

export { terminalDoc, type TerminalDoc, type TerminalInfo, type TerminalSize, type TerminalState, type TerminalWriter } from './terminal.ts';
export { OUTPUT_SEGMENT_CAP, SNAPSHOTS_KEPT, type OutputChunk, type ScreenSnapshot } from './terminal-output.ts';
export { checkGuestLink, type GuestLinkSettings } from './settings-guests.ts';
export { ADMIN_LOG_SEGMENT_CAP, gatewayAdminDoc, MAX_ADMIN_BYTES, type GatewayAdminDoc } from './gateway-admin.ts';

export {
  compareTasks, MAX_TASK_NOTE, MAX_TASK_TITLE, TASK_PRIORITIES, TASK_SOURCE_KINDS, TASK_STATES, tasksDoc,
  type CalendarEvent, type NewTask, type Task, type TaskPriority, type TaskSource, type TaskSourceKind, type TaskState, type TasksDoc, type TasksState,
} from './tasks.ts';
export {
  ACCOUNT_KINDS, parseAccountName,
  type AccountCredentials, type AccountInput, type AccountKind, type AccountName, type AccountPassword, type AccountSummary,
} from './settings-accounts.ts';
