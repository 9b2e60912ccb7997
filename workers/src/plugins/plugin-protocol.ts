/**
 * The messages between a plugin thread and its host. The thread can only ask
 * (`call` an op with JSON arguments) and finish (`done`, `failed`); the host
 * answers each call with a `reply`. Everything from the thread is parsed here
 * before the host looks at it: plugin code is not trusted.
 *
 * The thread side is plugin-thread.mjs (plain JavaScript: it runs in a
 * worker thread without the TypeScript loader); keep the two in step.
 */

/** What a plugin may ask the host for. Each op names the permission it needs in plugin-host.ts. */
export const HOST_OPS = [
  'grants', 'listFiles', 'readFile', 'readDocument', 'watch', 'readBrowserHistory',
  'listChats', 'readChat', 'createChat', 'writeMessage',
  'fetch', 'complete', 'runCommand',
  'getState', 'setState',
  'accounts', 'readMail', 'readCalendar', 'addTask', 'putEvents',
] as const;
export type HostOp = (typeof HOST_OPS)[number];

export type ThreadMessage =
  /** The thread is up (guard installed) and is about to import the plugin: its time limit starts now. */
  | { readonly type: 'started' }
  | { readonly type: 'call'; readonly id: number; readonly op: HostOp; readonly args: Readonly<Record<string, unknown>> }
  | { readonly type: 'done'; readonly summary: string }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'log'; readonly line: string };

/** Why a call failed, as the plugin sees it. */
export type ReplyErrorCode = 'denied' | 'failed' | 'bad-request';

export type HostMessage =
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: { readonly code: ReplyErrorCode; readonly message: string } };

/** Why the host started the run. */
export type RunTrigger =
  | { readonly kind: 'manual' }
  | { readonly kind: 'schedule'; readonly at: number }
  | { readonly kind: 'change'; readonly folder: string; readonly paths: readonly string[] };

/** Handed to the plugin's entry function as its second argument. */
export interface RunContext {
  readonly plugin: { readonly id: string; readonly name: string; readonly version: string };
  readonly trigger: RunTrigger;
  /** The host's clock when the run started (ms). */
  readonly now: number;
}

/** The thread's workerData. */
export interface ThreadData {
  /** file: URL of the plugin's entry module. */
  readonly entry: string;
  /** file: URL of the plugin's package folder: the only place its code may import from. */
  readonly root: string;
  /** file: URL of the import guard (import-guard.mjs). */
  readonly guard: string;
  readonly context: RunContext;
}

const MAX_TEXT = 10_000;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : undefined);

/** Parses a message from a plugin thread; undefined when it is not one (the host then ends the run). */
export function parseThreadMessage(v: unknown): ThreadMessage | undefined {
  if (!isRecord(v)) return undefined;
  switch (v.type) {
    case 'call': {
      const { id, op, args } = v;
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return undefined;
      if (!(HOST_OPS as readonly unknown[]).includes(op)) return undefined;
      if (args !== undefined && !isRecord(args)) return undefined;
      return { type: 'call', id, op: op as HostOp, args: args ?? {} };
    }
    case 'started':
      return { type: 'started' };
    case 'done':
      return { type: 'done', summary: text(v.summary) ?? '' };
    case 'failed':
      return { type: 'failed', message: text(v.message) ?? 'the plugin failed' };
    case 'log': {
      const line = text(v.line);
      return line === undefined ? undefined : { type: 'log', line };
    }
    default:
      return undefined;
  }
}

export const isCall = (m: ThreadMessage): m is Extract<ThreadMessage, { type: 'call' }> => m.type === 'call';
