// `nono pull NS/NAME[@VERSION]`: the daemon downloads and verifies; a publisher key the user has
// not accepted is shown by fingerprint and, on a terminal, asked about once.
import { read } from 'read';
import { NonoError } from '@nono/shared/protocol/errors';
import type { NonoClient } from '../index.js';
import { callWithProgressBar } from '../output/progress-bar.js';
import { reportError } from '../output/report-error.js';
import { defineCommand, printJson, type CommandInput } from './define-command.js';

interface PullFlags {
  registry?: string;
  acceptPublisher?: string;
  json?: boolean;
}

/** The daemon remembers an accepted key for the namespace of the pack it signed, so the question names it. */
async function acceptsPublisher(fingerprint: string, pack: string): Promise<boolean> {
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) return false;
  const answer = await read({ prompt: `accept publisher key ${fingerprint} for ${pack.split('/')[0]}/* packs, on this and later pulls? [y/N] `, output: process.stderr });
  return /^y(es)?$/i.test(answer.trim());
}

/** Pulls `pack`, asking about an unknown publisher on a terminal; shared with `nono run`'s offer to pull. */
export async function pullWithQuestion(client: NonoClient, pack: string, flags: PullFlags) {
  const params = { pack, ...(flags.registry ? { registry: flags.registry } : {}), ...(flags.acceptPublisher ? { acceptPublisher: flags.acceptPublisher } : {}) };
  try {
    return await callWithProgressBar(client, 'pack.pull', params, flags.json);
  } catch (error) {
    if (!(error instanceof NonoError) || error.kind !== 'PACK_PUBLISHER_UNKNOWN' || flags.json) throw error;
    const fingerprint = String(error.details.fingerprint);
    if (!(await acceptsPublisher(fingerprint, String(error.details.pack ?? pack)))) throw error;
    return callWithProgressBar(client, 'pack.pull', { ...params, acceptPublisher: fingerprint }, flags.json);
  }
}

export const registerPull = defineCommand({
  declare: (program) =>
    program
      .command('pull')
      .description('Download, verify and install a policy pack (NAMESPACE/NAME[@VERSION]) and its dependencies')
      .argument('<pack>', 'NAMESPACE/NAME or NAMESPACE/NAME@VERSION')
      .option('--registry <url>', "the registry (default: the pack's, else the default one: nono auth status)")
      .option('--accept-publisher <fingerprint>', "accept the publisher key with this fingerprint (nono pull shows it)"),
  work: async (client, { args: [pack], options }: CommandInput<[string], PullFlags>) => {
    try {
      const result = await pullWithQuestion(client, pack, options);
      if (options.json) printJson(result);
      else {
        for (const p of result.pulled) process.stdout.write(`${p.installed ? 'installed' : 'already installed'} ${p.pack}@${p.version}  sha256 ${p.sha256.slice(0, 12)}  publisher ${p.publisher.slice(0, 16)}\n`);
      }
      return 0;
    } catch (error) {
      reportError(error, options.json === true);
      return 1;
    }
  },
});
