// Connect, run one command's calls, report failure as one line (or JSON): the frame every
// non-run command shares.
import { NonoError } from '@nono/shared/protocol/errors';
import { NonoClient } from '../index.js';
import { reportError } from '../output/report-error.js';

export async function withDaemon(json: boolean | undefined, work: (client: NonoClient) => Promise<number>): Promise<number> {
  let client: NonoClient | undefined;
  try {
    client = await NonoClient.connect();
    return await work(client);
  } catch (error) {
    reportError(error, json === true);
    return 1;
  } finally {
    client?.close();
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * A restore nonod was cut off in (it crashed or was killed) is journaled, and the next restore
 * of that directory finishes it first: the user has to hear that, not only "it may or may not
 * have run", or the directory stays half restored. `again` is null for a dry run, which wrote nothing.
 */
export function finishInterrupted(again: string | null): (error: unknown) => never {
  return (error) => {
    if (again !== null && error instanceof NonoError && error.kind === 'DAEMON_UNREACHABLE' && error.details.inFlight === true) {
      throw new NonoError('DAEMON_UNREACHABLE', `${error.message}; the directory may be partly restored: run ${again} again, it finishes the interrupted restore first`, error.details);
    }
    throw error;
  };
}
