// Mail to tasks: for each mail account it may read (read_email on the
// account's name, or on * for all of them), reads
// the messages new since the last run (the host keeps UIDVALIDITY and the
// last UID as this plugin's state cursor), asks the workspace's model
// whether each holds an action item, and adds what it finds to Tasks with a
// link to the message id. The message text goes to the model only: never
// into a task, the log or the plugin's state. Runs in a plugin thread:
// everything goes through the host API.
import { parseTasks, prompt, SYSTEM } from './extract.mjs';

const MAX_BATCHES = 10;

/**
 * @param {any} api the host API (plugin-thread.mjs)
 */
export default async function run(api) {
  const accounts = await api.accounts('read_email');
  if (accounts.length === 0) return 'no mail account granted: grant read_email on an account of the settings';
  const state = (await api.state.get()) ?? {};
  const cursors = { ...(state.cursors ?? {}) };
  let read = 0;
  let added = 0;
  let refused = 0;
  for (const account of accounts) {
    let since = cursors[account];
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const got = await api.readMail(account, since ? { since } : {});
      for (const m of got.messages) {
        const answer = await api.complete({ system: SYSTEM, messages: [{ role: 'user', content: prompt(m) }], maxTokens: 600 });
        for (const task of parseTasks(answer.text)) {
          try {
            const r = await api.addTask({ ...task, source: { kind: 'mail', account, ref: m.messageId } });
            if (r.added) added++;
          } catch (e) {
            // The host refuses a task that quotes the message: skip it, keep the others.
            if (e.code !== 'bad-request') throw e;
            refused++;
          }
        }
        read++;
      }
      since = got.cursor;
      cursors[account] = since;
      // After each batch: a run cut short later does not read these messages again.
      await api.state.set({ ...state, cursors });
      if (!got.more) break;
    }
  }
  return `read ${read} new message(s) in ${accounts.length} account(s), added ${added} task(s)${refused ? `, refused ${refused} that quoted a message` : ''}`;
}
