/**
 * The workspace's Tasks document as reactive state (the Tasks page): its
 * tasks and upcoming events, refreshed once per frame on change, local or
 * synced. Opened when the page opens, dropped when it closes.
 */
import type { CalendarEvent, Task, TasksDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { frameBatched } from './frame-batch.ts';

export class TasksState {
  tasks = $state.raw<Task[]>([]);
  events = $state.raw<CalendarEvent[]>([]);
  readonly doc: TasksDoc;
  private readonly stop: () => void;
  private readonly batch = frameBatched(() => this.refresh());

  private constructor(doc: TasksDoc) {
    this.doc = doc;
    this.refresh();
    this.stop = doc.observe(() => this.batch.schedule());
  }

  static async open(session: WorkspaceSession): Promise<TasksState> {
    const { tasks } = await session.openTasks();
    return new TasksState(tasks);
  }

  private refresh(): void {
    this.tasks = this.doc.list();
    this.events = this.doc.events();
  }

  destroy(): void {
    this.batch.cancel();
    this.stop();
  }
}
