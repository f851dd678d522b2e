import { isStorageError, StorageError } from '../core/errors.js';
import type { Store } from '../core/store.js';

/**
 * Fails fast, before any scan, when a store is unreachable or refuses the credentials: one stat of
 * its root with a short deadline.
 */
export async function checkReachable(store: Store, role: 'source' | 'destination', timeoutMs = 15_000): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    await store.stat('', { signal });
  } catch (error) {
    if (!isStorageError(error)) throw error;
    const where = `the ${role} ${store.displayUri}`;
    const detail = error.message.replace(/\.+$/, '');
    const hint = (text: string): string => (/\bcheck\b/i.test(detail) ? '' : ` ${text}`);
    switch (error.code) {
      case 'auth-failed':
        throw new StorageError('auth-failed', `Cannot authenticate to ${where}: ${detail}.${hint('Check the credentials (--gen1-token, --account-key, --sas, AZURE_* variables).')}`, { cause: error });
      case 'permission-denied':
        throw new StorageError('permission-denied', `Access to ${where} is denied: ${detail}. The identity needs read (source) or write (destination) access; superuser for owners and ACLs.`, { cause: error });
      case 'not-found':
        throw new StorageError('not-found', `${where[0]?.toUpperCase() ?? ''}${where.slice(1)} does not exist: ${detail}.`, { cause: error });
      case 'cancelled':
      case 'transient':
      case 'throttled':
        throw new StorageError('transient', `Cannot reach ${where}: ${detail}.${hint('Check the endpoint address and that the service is running.')}`, { cause: error });
      default:
        throw error;
    }
  }
}
