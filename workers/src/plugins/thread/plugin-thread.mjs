// The plugin side of a plugin run, in a worker thread: installs the import
// guard, removes the ambient ways out (fetch, native bindings), imports the
// plugin's entry and calls its default export with the host API. Every API
// method is one message to the host, which checks the user's grant, performs
// the access and logs it. Plain JavaScript: worker threads here run without
// the TypeScript loader. Mirrors plugin-protocol.ts.
import { register } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {import('../plugin-protocol.ts').ThreadData} */
const data = workerData;
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);

register(data.guard, { data: { root: data.root, bootstrap: import.meta.url } });
for (const name of ['fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest']) delete globalThis[name];
for (const name of ['binding', '_linkedBinding', 'dlopen']) {
  Object.defineProperty(process, name, { value: () => { throw new Error(`process.${name} is not available to plugins`); } });
}

/** A host call that failed: `code` is 'denied' (no grant), 'failed' or 'bad-request'. */
class PluginError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.name = 'PluginError';
    this.code = code;
  }
}

let nextId = 0;
/** @type {Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>} */
const pending = new Map();
port.on('message', (m) => {
  if (!m || m.type !== 'reply') return;
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (m.ok) p.resolve(m.value);
  else p.reject(new PluginError(String(m.error?.code ?? 'failed'), String(m.error?.message ?? 'failed')));
});

/** @param {string} op @param {Record<string, unknown>} [args] */
function call(op, args = {}) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    port.postMessage({ type: 'call', id, op, args });
  });
}

const api = Object.freeze({
  /** Resources of a permission kind the user granted this plugin. */
  grants: (kind) => call('grants', { kind }),
  /** Files below a folder (read-folder): [{ path, size, mtimeMs }]. */
  listFiles: (folder, options = {}) => call('listFiles', { folder, ...options }),
  /** A text file (read-folder): { text, size, truncated }. */
  readFile: (path, options = {}) => call('readFile', { path, ...options }),
  /** The text of a PDF or DOCX file (read-folder): { text, format, size, mtimeMs, truncated, pages? }. */
  readDocument: (path) => call('readDocument', { path }),
  /** A page of a browser profile's history, URLs and titles only (read_browser_history on the profile folder): { browser, history, bookmarks?, next, done }. */
  readBrowserHistory: (profile, options = {}) => call('readBrowserHistory', { profile, ...options }),
  /** Asks the host to run this plugin again when files below the folder change (read-folder). */
  watch: (folder) => call('watch', { folder }),
  /** Chats the plugin may read (read-chats): [{ id, title, createdAt, updatedAt }]. */
  listChats: (options = {}) => call('listChats', options),
  /** A chat's messages (read-chats). */
  readChat: (chat) => call('readChat', { chat }),
  /** Creates a chat (write-chats on "new"): { id }. */
  createChat: (title) => call('createChat', { title }),
  /** Adds a message, or replaces one with `replaces` (write-chats): { id }. */
  writeMessage: (chat, message) => call('writeMessage', { chat, ...message }),
  /** Fetches a URL (network on its host): { url, status, contentType, text, truncated }. */
  fetch: (url, options = {}) => call('fetch', { url, ...options }),
  /** Asks the workspace's configured model (network on "model"): { text, model }. The API key stays with the host. */
  complete: (request) => call('complete', request),
  /** Runs a command on a gateway session (gateway-session). */
  runCommand: (request) => call('runCommand', request),
  /** Accounts of the settings this plugin may read now, by name: kind 'read_email' or 'read_calendar'. */
  accounts: (kind) => call('accounts', { kind }),
  /**
   * New messages of a mail account (read_email on it): { cursor, messages: [{ uid, messageId, subject, from, date, text, truncated }], more }.
   * Pass the returned cursor as `since` next time; without one only the newest messages are read.
   */
  readMail: (account, options = {}) => call('readMail', { account, ...options }),
  /** Events of a calendar source in a window (read_calendar on it): [{ uid, summary, start, end, location, allDay }]. */
  readCalendar: (source, options = {}) => call('readCalendar', { source, ...options }),
  /** Replaces the source's upcoming events in the Tasks document (read_calendar on it): the number stored. */
  putEvents: (source, events) => call('putEvents', { source, events }),
  /**
   * Adds a task to the Tasks document, citing where it came from (read_email or read_calendar on the
   * account the source names): { id, added }. Never put the source's text in a task.
   */
  addTask: (task) => call('addTask', task),
  /** The plugin's own small JSON state on this worker (no permission needed). */
  state: Object.freeze({ get: () => call('getState'), set: (value) => call('setState', { value }) }),
  /** A line for the worker's log. */
  log: (line) => port.postMessage({ type: 'log', line: String(line) }),
});

port.postMessage({ type: 'started' });
try {
  const mod = await import(data.entry);
  if (typeof mod.default !== 'function') throw new Error('the plugin entry has no default export function');
  const summary = await mod.default(api, data.context);
  port.postMessage({ type: 'done', summary: typeof summary === 'string' ? summary : '' });
} catch (e) {
  port.postMessage({ type: 'failed', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
}
