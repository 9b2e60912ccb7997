/**
 * `Secret<T>`: a wrapper that names secret material in its type and keeps it
 * out of logs. `JSON.stringify`, template strings, `console.log` and
 * `util.inspect` all print `[secret]`; the value sits in a private field that
 * neither enumeration nor inspection reaches. Read it with `expose()` right
 * where a primitive needs the bytes, and never store the exposed value in a
 * longer-lived object. Serialized forms (`*ToJSON`) deliberately contain the
 * base64url of the secret and must be stored encrypted only. A Secret does
 * not survive structuredClone or IndexedDB as is: persist through `*ToJSON`.
 */

const REDACTED = '[secret]';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/** Secret material of type `T`. Structurally distinct from `T`, so it cannot be passed where bytes are expected. */
export class Secret<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** The secret itself, for the call that needs it. */
  expose(): T {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspectSymbol](): string {
    return REDACTED;
  }

  /** Overwrites byte secrets with zeros (best effort; copies made earlier are not reached). */
  wipe(): void {
    if (this.#value instanceof Uint8Array) this.#value.fill(0);
  }
}

/** Wraps a value as a {@link Secret}. */
export function secret<T>(value: T): Secret<T> {
  return new Secret(value);
}

/** True for any {@link Secret}, whatever it wraps. */
export function isSecret(value: unknown): value is Secret<unknown> {
  return value instanceof Secret;
}
