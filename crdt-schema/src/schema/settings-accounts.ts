/**
 * Mail accounts and calendar sources of the settings document: what the
 * mail and calendar plugins read, named by the `read_email` and
 * `read_calendar` grants. The settings document is sealed like every other,
 * so the password travels only encrypted; like a provider's API key it never
 * appears in a summary, and only credentials() returns it (to the worker's
 * host, never to plugin code).
 *
 *   imap    imap://host:port (plain, tests) or imaps://host:port, a user, a password, a mailbox
 *   ics     file:///path/to/calendar.ics or https://host/calendar.ics
 *   caldav  https://host/path/to/calendar/ (one calendar collection), a user, a password
 */
import type * as Y from 'yjs';
import type { Brand } from '../ids.ts';
import { badInput, checkEnum, checkText, compareStrings, isRecord } from './fields.ts';
import { ACCOUNT_ENTRY, SETTINGS } from './keys.ts';
import type { Writer } from './writer.ts';

/** An account's slug, chosen by the user ("work-mail"); the resource of its grant. */
export type AccountName = Brand<string, 'AccountName'>;
/** A mail or calendar password: a secret, never logged or summarised. */
export type AccountPassword = Brand<string, 'AccountPassword'>;

export const ACCOUNT_KINDS = ['imap', 'ics', 'caldav'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];
export const MAX_ACCOUNTS = 50;

const PROTOCOLS: Readonly<Record<AccountKind, readonly string[]>> = {
  imap: ['imap:', 'imaps:'],
  ics: ['file:', 'http:', 'https:'],
  caldav: ['http:', 'https:'],
};

/** An account without its password. */
export interface AccountSummary {
  readonly name: AccountName;
  readonly kind: AccountKind;
  readonly url: string;
  readonly user?: string;
  /** IMAP: the folder read (default INBOX). */
  readonly mailbox?: string;
  readonly hasPassword: boolean;
}

export interface AccountInput {
  readonly name: string;
  readonly kind: AccountKind;
  readonly url: string;
  readonly user?: string;
  readonly mailbox?: string;
  /** Undefined keeps the stored password; null clears it. */
  readonly password?: string | null;
}

/** What the worker's host connects with. Do not log it. */
export interface AccountCredentials extends Omit<AccountSummary, 'hasPassword'> {
  readonly password?: AccountPassword;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function parseAccountName(v: unknown): AccountName {
  if (typeof v !== 'string' || !NAME.test(v)) badInput('an account name is 1..64 of a-z, 0-9 and -');
  return v as AccountName;
}

function checkAccountUrl(v: unknown, kind: AccountKind): string {
  const text = checkText(v, 'url', 2000);
  if (!URL.canParse(text)) badInput('url is not a URL');
  const url = new URL(text);
  if (!PROTOCOLS[kind].includes(url.protocol)) badInput(`a ${kind} url must use ${PROTOCOLS[kind].join(' or ')}`);
  if (url.username || url.password) badInput('put the user and password in their own fields, not in the url');
  return text;
}

function readAccount(name: string, raw: unknown): AccountCredentials | undefined {
  if (!isRecord(raw)) return undefined;
  const kind = raw[ACCOUNT_ENTRY.kind];
  const url = raw[ACCOUNT_ENTRY.url];
  if (!(ACCOUNT_KINDS as readonly unknown[]).includes(kind) || typeof url !== 'string') return undefined;
  const text = (k: string): string | undefined => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
  const user = text(ACCOUNT_ENTRY.user);
  const mailbox = text(ACCOUNT_ENTRY.mailbox);
  const password = text(ACCOUNT_ENTRY.password);
  return {
    name: name as AccountName, kind: kind as AccountKind, url,
    ...(user !== undefined ? { user } : {}), ...(mailbox !== undefined ? { mailbox } : {}),
    ...(password !== undefined ? { password: password as AccountPassword } : {}),
  };
}

const summary = ({ password, ...rest }: AccountCredentials): AccountSummary => ({ ...rest, hasPassword: password !== undefined });

export function accountsSection(doc: Y.Doc, w: Writer) {
  const accounts = doc.getMap<unknown>(SETTINGS.accounts);
  const credentials = (name: string): AccountCredentials | undefined => readAccount(name, accounts.get(name));
  return {
    /** Adds or replaces an account; the password is kept unless the input sets or clears it. */
    set(input: AccountInput): AccountSummary {
      const name = parseAccountName(input.name);
      const kind = checkEnum(input.kind, 'kind', ACCOUNT_KINDS);
      const url = checkAccountUrl(input.url, kind);
      const user = input.user === undefined ? undefined : checkText(input.user, 'user', 300);
      const mailbox = input.mailbox === undefined ? undefined : checkText(input.mailbox, 'mailbox', 300);
      if (mailbox !== undefined && kind !== 'imap') badInput('only an imap account has a mailbox');
      const password = input.password === undefined ? credentials(name)?.password : input.password === null ? undefined : checkText(input.password, 'password', 1000);
      if (!accounts.has(name) && accounts.size >= MAX_ACCOUNTS) badInput(`at most ${MAX_ACCOUNTS} accounts`);
      w.write(() => accounts.set(name, {
        [ACCOUNT_ENTRY.kind]: kind, [ACCOUNT_ENTRY.url]: url,
        ...(user !== undefined ? { [ACCOUNT_ENTRY.user]: user } : {}),
        ...(mailbox !== undefined ? { [ACCOUNT_ENTRY.mailbox]: mailbox } : {}),
        ...(password !== undefined ? { [ACCOUNT_ENTRY.password]: password } : {}),
      }));
      return summary(credentials(name)!);
    },
    remove(name: string): boolean {
      const n = parseAccountName(name);
      if (!accounts.has(n)) return false;
      w.write(() => accounts.delete(n));
      return true;
    },
    get(name: string): AccountSummary | undefined {
      const c = credentials(parseAccountName(name));
      return c === undefined ? undefined : summary(c);
    },
    /** The one way to read a password: for the worker's host only. Do not log the result. */
    credentials(name: string): AccountCredentials | undefined {
      return credentials(parseAccountName(name));
    },
    /** Accounts by name, without passwords. */
    list(): AccountSummary[] {
      const out: AccountSummary[] = [];
      for (const name of accounts.keys()) {
        const c = credentials(name);
        if (c !== undefined) out.push(summary(c));
      }
      return out.sort((a, b) => compareStrings(a.name, b.name));
    },
  };
}

export type AccountsSection = ReturnType<typeof accountsSection>;
