import { StorageError } from '../core/errors.js';
import { redactUri } from '../core/uri.js';
import { EXIT, type ExitCode } from './exit-codes.js';

/** An error meant for the user: printed as one clear message, no stack trace. */
export class UserError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = EXIT.usage) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** Runs `fn`, turning a StorageError('invalid-argument') into a UserError (exit 2, one line). */
export function asUsageError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof StorageError && error.code === 'invalid-argument') throw new UserError(error.message);
    throw error;
  }
}

/** Maps any thrown value to the message and exit code the CLI reports. */
export function describeFailure(error: unknown): { message: string; exitCode: ExitCode; internal: boolean } {
  if (error instanceof UserError) return { message: redactUri(error.message), exitCode: error.exitCode, internal: false };
  if (error instanceof StorageError) {
    const where = error.path !== undefined && !error.message.includes(error.path) ? ` (path: ${error.path})` : '';
    const message = redactUri(`${error.message}${where}`);
    switch (error.code) {
      case 'invalid-argument':
      case 'not-supported':
        return { message, exitCode: EXIT.usage, internal: false };
      case 'auth-failed':
      case 'permission-denied':
        return { message, exitCode: EXIT.auth, internal: false };
      case 'not-found':
      case 'transient':
      case 'throttled':
        return { message, exitCode: EXIT.unavailable, internal: false };
      case 'cancelled':
        return { message, exitCode: EXIT.cancelled, internal: false };
      default:
        return { message, exitCode: EXIT.failures, internal: false };
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return { message: redactUri(message), exitCode: EXIT.internal, internal: true };
}
