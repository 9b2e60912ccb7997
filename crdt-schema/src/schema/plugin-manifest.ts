/**
 * Plugin manifests: what a plugin is and which permissions it asks for.
 * Manifests come from outside (a plugin package), so they are parsed field by
 * field, never trusted as given.
 */
import { parsePluginId, type PluginId } from '../ids.ts';
import { badInput, checkEnum, checkText, isRecord } from './fields.ts';

/**
 * The agent's tools are granted and logged as this plugin (workers and the app both name it). Plugin
 * ids have the shape of random ids (22 base64url characters), so it is spelled to fit.
 */
export const AGENT_PLUGIN_ID = 'agent-builtin-tools-v1' as PluginId;

/**
 * `memory` is an agent's own memory (resource `*`: there is no other an agent could reach).
 * `read_browser_history` reads the URLs and titles of a browser profile's history and bookmarks
 * (resource: the profile folder).
 * `read_email` names one mail account and `read_calendar` one calendar source of the settings
 * (settings-accounts.ts); both also let the plugin write tasks citing what it read.
 */
export const PERMISSION_KINDS = ['read-folder', 'read-chats', 'write-chats', 'network', 'gateway-session', 'memory', 'read_browser_history', 'read_email', 'read_calendar'] as const;
export type PermissionKind = (typeof PERMISSION_KINDS)[number];

/** Kinds a manifest may ask for only with `dangerous: true`: the user opts in knowing what they expose. */
export const DANGEROUS_KINDS: readonly PermissionKind[] = ['read_browser_history', 'read_email'];

export interface PermissionRequest {
  readonly kind: PermissionKind;
  /** What the permission is for: a folder path, a chat id, a host, a gateway id; '*' for any. */
  readonly resource: string;
  /** Shown to the user when asking. */
  readonly reason: string;
  /**
   * Marked by the manifest for a request the user should weigh twice (all mail, a whole home folder,
   * browser history; required for DANGEROUS_KINDS): the app marks it, and `reason` says why it is asked for.
   */
  readonly dangerous?: true;
  /** The plugin runs without it (it copes with the denial); every other kind asked for must be granted for a run. */
  readonly optional?: true;
}

export interface PluginManifest {
  readonly id: PluginId;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly permissions: PermissionRequest[];
  /** Five-field cron expression for scheduled runs. */
  readonly schedule?: string;
  /** Module path of the plugin's entry point inside its package. */
  readonly entry: string;
}

const CRON = /^([0-9*/,-]+|\?)(\s+([0-9A-Za-z*/,-]+|\?)){4}$/;

export function parsePermissionRequest(v: unknown): PermissionRequest {
  if (!isRecord(v)) badInput('a permission request is an object');
  const kind = checkEnum(v.kind, 'permission kind', PERMISSION_KINDS);
  if (v.dangerous !== undefined && typeof v.dangerous !== 'boolean') badInput('permission dangerous must be true or false');
  if (v.optional !== undefined && typeof v.optional !== 'boolean') badInput('permission optional must be true or false');
  if (DANGEROUS_KINDS.includes(kind) && v.dangerous !== true) badInput(`a ${kind} permission must be marked dangerous: true, with its reason`);
  const request = { kind, resource: checkText(v.resource, 'permission resource', 2000), reason: checkText(v.reason, 'permission reason', 1000) };
  return { ...request, ...(v.dangerous === true ? { dangerous: true as const } : {}), ...(v.optional === true ? { optional: true as const } : {}) };
}

/**
 * Whether the app marks a request (or a grant of `resource`) as dangerous: the plugin says so, or it
 * reaches a whole home folder or the whole disk (read-folder on '/', '~', '/home/NAME', '/Users/NAME').
 */
export function isDangerous(kind: PermissionKind, resource: string, declared = false): boolean {
  if (declared || DANGEROUS_KINDS.includes(kind)) return true;
  return kind === 'read-folder' && /^(\/|~\/?|\/(home|Users)\/[^/]+\/?|\/root\/?)$/.test(resource);
}

/** Parses a manifest from untrusted input; E_BAD_INPUT names the first bad field. */
export function parsePluginManifest(v: unknown): PluginManifest {
  if (!isRecord(v)) badInput('a plugin manifest is an object');
  if (!Array.isArray(v.permissions) || v.permissions.length > 100) badInput('permissions is a list of at most 100 requests');
  const schedule = v.schedule === undefined ? undefined : checkText(v.schedule, 'schedule', 200).trim();
  if (schedule !== undefined && !CRON.test(schedule)) badInput('schedule must be a five-field cron expression');
  const manifest: PluginManifest = {
    id: parsePluginId(v.id),
    name: checkText(v.name, 'name', 200),
    version: checkText(v.version, 'version', 100),
    description: typeof v.description === 'string' ? v.description.slice(0, 5000) : '',
    permissions: v.permissions.map(parsePermissionRequest),
    entry: checkText(v.entry, 'entry', 500),
  };
  return schedule === undefined ? manifest : { ...manifest, schedule };
}
