import type { Capabilities, Store } from '../core/store.js';
import { StorageError } from '../core/errors.js';

/**
 * Store wrappers for engine tests: they change what a store declares or inject failures, delegating
 * everything else. Used by unit tests only; kept here (not in a .test.ts) so several suites share it.
 */

/** A view of `store` with different capabilities and, optionally, without setTimes/setExpiry. */
export function reshapeStore(store: Store, changes: { capabilities?: Partial<Capabilities>; noSetTimes?: boolean; noSetExpiry?: boolean }): Store {
  const capabilities = { ...store.capabilities, ...changes.capabilities };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'capabilities') return capabilities;
      if (prop === 'setTimes' && changes.noSetTimes === true) return undefined;
      if (prop === 'setExpiry' && changes.noSetExpiry === true) return undefined;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A view of `store` whose calls fail with a retryable `transient` error every `every`-th call
 * (counting stat, list, openRead, createWriter, writer.write, writer.commit, mkdir, ACL calls).
 */
export function flakyStore(store: Store, every: number): Store & { failures(): number } {
  let calls = 0;
  let failures = 0;
  const maybeFail = (what: string): void => {
    calls++;
    if (calls % every === 0) {
      failures++;
      throw new StorageError('transient', `injected failure of ${what} (call ${calls})`, { status: 503, retryAfterMs: 1 });
    }
  };
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'failures') return () => failures;
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = (value as (...a: unknown[]) => unknown).bind(target);
      if (prop === 'close' || prop === 'list') return fn;
      if (prop === 'createWriter') {
        return async (...args: unknown[]) => {
          maybeFail('createWriter');
          const writer = (await fn(...args)) as Awaited<ReturnType<Store['createWriter']>>;
          return {
            path: writer.path,
            write: async (...a: Parameters<typeof writer.write>) => {
              maybeFail('write');
              return writer.write(...a);
            },
            commit: async (...a: Parameters<typeof writer.commit>) => {
              maybeFail('commit');
              return writer.commit(...a);
            },
            abort: () => writer.abort(),
          };
        };
      }
      return async (...args: unknown[]) => {
        maybeFail(String(prop));
        return fn(...args);
      };
    },
  });
  return wrapped as Store & { failures(): number };
}
