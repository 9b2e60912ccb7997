/**
 * The layout of every document kind: the names of root shared types and of
 * the fields inside their entries. These strings are the storage format, so
 * they live here and nowhere else; callers use the typed accessors. Renaming
 * one is a schema change and needs an upgrade step (upgrades.ts).
 *
 * Collections are root-level maps because two peers that concurrently create
 * the same root type get the same one, while two that concurrently create the
 * same nested map keep only one of them. Entries of a collection are nested
 * Y.Maps keyed by a fresh random id (so they are never created twice) and are
 * edited field by field, last writer wins per field. Records that one writer
 * replaces whole (announcements, claims, grants) are plain values.
 */

export const ROOT_META = 'meta';
export const META = { kind: 'kind', schemaVersion: 'schemaVersion' } as const;

export const WORKSPACE = {
  info: 'workspace',
  chats: 'chats',
  sessions: 'sessions',
  members: 'members',
  revocations: 'revocations',
  gateways: 'gateways',
  workers: 'workers',
  lockboxes: 'lockboxes',
} as const;

export const WORKSPACE_INFO = { id: 'id', name: 'name', createdAt: 'createdAt', createdBy: 'createdBy' } as const;

export const CHAT_ENTRY = {
  docId: 'docId',
  title: 'title',
  pinned: 'pinned',
  deleted: 'deleted',
  deletedAt: 'deletedAt',
  createdAt: 'createdAt',
  createdBy: 'createdBy',
  updatedAt: 'updatedAt',
  order: 'order',
  /** Created with a placeholder title ("New chat"): a runner may title it after the first reply (workspace-chats.ts). */
  untitled: 'untitled',
  /** The title a runner wrote after the first reply, shown until a person renames the chat. */
  autoTitle: 'autoTitle',
  /** True once a person renamed the chat: a runner's title is never shown over it. */
  named: 'named',
} as const;

/** Field names of schema versions before the current one, read by upgrade steps and tolerant readers. */
export const LEGACY = {
  /** Workspace schema 1 called a chat's title `name`. */
  chatEntryName: 'name',
} as const;

export const SESSION_ENTRY = {
  docId: 'docId',
  gateway: 'gateway',
  title: 'title',
  state: 'state',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
  requestedBy: 'requestedBy',
  request: 'request',
  endRequest: 'endRequest',
  /** Why the gateway did not start or ended the session: `{ code, message }` (optional; absent means no failure). */
  failure: 'failure',
  /** The working folder and agent the requester chose (shown in lists; the gateway acts on the signed request). */
  cwd: 'cwd',
  agent: 'agent',
} as const;

export const MEMBER_ENTRY = {
  cert: 'cert',
  name: 'name',
  role: 'role',
  boxPublicKey: 'boxPublicKey',
  addedBy: 'addedBy',
  addedAt: 'addedAt',
  lastSeen: 'lastSeen',
} as const;

export const CHAT = { info: 'chat', messages: 'messages', claims: 'claims' } as const;

export const CHAT_INFO = { chatId: 'chatId', createdAt: 'createdAt', createdBy: 'createdBy', target: 'target', planMode: 'planMode' } as const;

/** A chat's own options (in its info map) and a chat preset's fields (chat-options.ts). */
export const CHAT_OPTIONS = { model: 'model', systemPrompt: 'systemPrompt', temperature: 'temperature' } as const;

export const MESSAGE = {
  id: 'id',
  author: 'author',
  role: 'role',
  content: 'content',
  status: 'status',
  error: 'error',
  model: 'model',
  usage: 'usage',
  createdAt: 'createdAt',
  editedAt: 'editedAt',
  parent: 'parent',
  follows: 'follows',
  shown: 'shown',
  stopBy: 'stopBy',
  stopAt: 'stopAt',
  continuedBy: 'continuedBy',
  agent: 'agent',
  route: 'route',
  hops: 'hops',
  plan: 'plan',
  planMode: 'planMode',
  attachments: 'attachments',
} as const;

export const SETTINGS = { providers: 'providers', prefs: 'prefs', agents: 'agents', playbooks: 'playbooks', prices: 'prices', chatPresets: 'chatPresets', guests: 'guests', accounts: 'accounts' } as const;

export const CHAT_PRESET_ENTRY = { name: 'name', createdAt: 'createdAt', createdBy: 'createdBy', ...CHAT_OPTIONS } as const;

export const AGENT_ENTRY = {
  name: 'name',
  description: 'description',
  systemPrompt: 'systemPrompt',
  provider: 'provider',
  model: 'model',
  tools: 'tools',
  preset: 'preset',
  createdAt: 'createdAt',
  createdBy: 'createdBy',
} as const;

export const PROVIDER_ENTRY = {
  kind: 'kind',
  baseUrl: 'baseUrl',
  apiKey: 'apiKey',
  models: 'models',
  enabled: 'enabled',
} as const;

export const PREFS = {
  defaultModel: 'defaultModel',
  systemPrompt: 'systemPrompt',
  theme: 'theme',
  relayUrl: 'relayUrl',
  defaultAgent: 'defaultAgent',
  newChatTarget: 'newChatTarget',
  routerModel: 'routerModel',
  embeddingModel: 'embeddingModel',
  delegation: 'delegation',
  spendLimits: 'spendLimits',
  /** Automatic backups: on or off, retention (settings-backup.ts). */
  backupPolicy: 'backupPolicy',
  /** Which device writes the automatic backups, until when (settings-backup.ts). */
  backupLease: 'backupLease',
} as const;

export const PERMISSIONS = {
  plugins: 'plugins',
  grants: 'grants',
  activity: 'activity',
  activityHeads: 'activityHeads',
  runLeases: 'runLeases',
  /** What became of each plugin run (permissions-runs.ts), in per-device segments like the activity log. */
  runs: 'runs',
  runHeads: 'runHeads',
  /** "Run now" asked by the user: plugin id -> { at, by } (permissions-runs.ts). */
  runRequests: 'runRequests',
} as const;

export const PLUGIN_ENTRY = {
  name: 'name',
  version: 'version',
  description: 'description',
  permissions: 'permissions',
  schedule: 'schedule',
  entry: 'entry',
  installedAt: 'installedAt',
  installedBy: 'installedBy',
} as const;

export const TERMINAL = {
  session: 'session',
  writers: 'writers',
  snapshots: 'snapshots',
  output: 'output',
  outputHeads: 'outputHeads',
} as const;

export const TERMINAL_SESSION = {
  sessionId: 'sessionId',
  title: 'title',
  gateway: 'gateway',
  shell: 'shell',
  cwd: 'cwd',
  createdAt: 'createdAt',
  state: 'state',
  owner: 'owner',
  ownerProof: 'ownerProof',
  size: 'size',
} as const;

/** The one writer of a terminal's output segments (the session's gateway). */
export const TERMINAL_OUTPUT_WRITER = 'gateway';

export const MEMORY = { entries: 'entries' } as const;

/** A gateway's administration document (gateway-admin.ts). */
export const GATEWAY_ADMIN = {
  requests: 'requests',
  results: 'results',
  state: 'state',
  log: 'log',
  logHeads: 'logHeads',
} as const;

export const MEMORY_ENTRY = {
  value: 'value',
  updatedAt: 'updatedAt',
  updatedBy: 'updatedBy',
  /** Float32 little-endian bytes of the entry's embedding ("key: value"), absent until computed. */
  embedding: 'embedding',
  /** The embedding model that made it, as `provider/model`: a vector from another model is not compared. */
  embeddingModel: 'embeddingModel',
} as const;

/** A mail account or calendar source of the settings (settings-accounts.ts): a plain record replaced whole. */
export const ACCOUNT_ENTRY = {
  kind: 'kind',
  url: 'url',
  user: 'user',
  password: 'password',
  mailbox: 'mailbox',
} as const;

export const TASKS = { tasks: 'tasks', events: 'events' } as const;

export const TASK_ENTRY = {
  title: 'title',
  priority: 'priority',
  due: 'due',
  note: 'note',
  state: 'state',
  source: 'source',
  createdAt: 'createdAt',
  createdBy: 'createdBy',
  doneAt: 'doneAt',
  doneBy: 'doneBy',
} as const;

/** An upcoming calendar event (tasks.ts): a plain record replaced whole by the plugin that reads its source. */
export const EVENT_ENTRY = { source: 'source', uid: 'uid', summary: 'summary', start: 'start', end: 'end', location: 'location' } as const;
