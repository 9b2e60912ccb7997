/** The permissions document as reactive state: installed plugins, grants, the activity log and the run history, refreshed once per frame on change. */
import type { ActivityEntry, Grant, InstalledPlugin, PermissionsDoc, RunRecord } from '@tendril/crdt-schema/schema';
import type { DocSync } from '@tendril/crdt-schema/sync';
import { frameBatched } from './frame-batch.ts';

export class PermissionsState {
  plugins = $state.raw<InstalledPlugin[]>([]);
  grants = $state.raw<Grant[]>([]);
  activity = $state.raw<ActivityEntry[]>([]);
  /** Newest first. */
  runs = $state.raw<RunRecord[]>([]);
  readonly doc: PermissionsDoc;
  readonly sync: DocSync;
  private readonly stop: () => void;
  private readonly batch = frameBatched(() => this.refresh());

  constructor(sync: DocSync, doc: PermissionsDoc) {
    this.sync = sync;
    this.doc = doc;
    this.refresh();
    this.stop = doc.observe(() => this.batch.schedule());
  }

  private refresh(): void {
    this.plugins = this.doc.plugins.list();
    this.grants = this.doc.grants.list();
    this.activity = this.doc.activity.read();
    this.runs = this.doc.runs.read({ limit: 500 });
  }

  destroy(): void {
    this.batch.cancel();
    this.stop();
  }
}
