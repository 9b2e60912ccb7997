/**
 * What the mail and calendar host ops reach in a live workspace: the
 * accounts of the sealed settings document (with passwords, read at each
 * call so an edit or removal applies to the next one) and the Tasks
 * document, opened once and caught up with the relay before the first write.
 * A device without the settings keys has no accounts; one without the chats
 * keys cannot write tasks (the host op says so).
 */
import type { SettingsDoc, TasksDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import type { HostDeps } from './plugin-host.ts';

export function sessionSources(session: WorkspaceSession, settings: SettingsDoc | null, o: { syncMs?: number } = {}): Pick<HostDeps, 'accounts' | 'accountNames' | 'tasks'> {
  let tasks: Promise<TasksDoc> | undefined;
  return {
    accounts: (name) => settings?.accounts.credentials(name),
    accountNames: () => settings?.accounts.list().map((a) => a.name) ?? [],
    tasks: () => {
      tasks ??= session.openTasks().then(async ({ sync, tasks: doc }) => {
        await sync.whenSynced(o.syncMs ?? 5000).catch(() => {}); // Offline: the local copy, merged later.
        return doc;
      });
      return tasks;
    },
  };
}
