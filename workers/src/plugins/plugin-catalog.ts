/**
 * The plugins that ship with workers, as manifests the app can offer to
 * install (a worker runs them by their `builtin:NAME` entry). Plain data: no
 * Node imports, so the app's bundle can take it.
 */
import { parsePluginManifest, type PluginManifest } from '@tendril/crdt-schema/schema';
import browserHistory from '../../plugins/browser-history/manifest.json' with { type: 'json' };
import calendar from '../../plugins/calendar/manifest.json' with { type: 'json' };
import chatDigest from '../../plugins/chat-digest/manifest.json' with { type: 'json' };
import folderIndexer from '../../plugins/folder-indexer/manifest.json' with { type: 'json' };
import mailTasks from '../../plugins/mail-tasks/manifest.json' with { type: 'json' };

export const BUILTIN_CATALOG: readonly PluginManifest[] = [folderIndexer, chatDigest, browserHistory, mailTasks, calendar].map((m) => parsePluginManifest(m));
