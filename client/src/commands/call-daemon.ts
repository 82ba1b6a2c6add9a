// Connect, run one command's calls, report failure as one line (or JSON): the frame every
// non-run command shares.
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
