// After a sandboxed run: what the network filter refused, so a user sees why a tool failed
// instead of guessing, and on a terminal an offer to write a draft profile that allows it.
// Nothing is widened silently: the draft is a new profile the user must choose to use.
import { read } from 'read';
import type { NonoClient } from '../index.js';
import { dim } from './style.js';

export async function reportDenials(client: NonoClient, session: { id: string; name: string }, profile: string): Promise<void> {
  const { events } = await client.call('audit.list', { session: session.id, kind: ['net.deny'], limit: 1000 });
  if (events.length === 0) return;
  const counts = new Map<string, number>();
  for (const event of events) {
    const host = String(event.payload.host);
    counts.set(host, (counts.get(host) ?? 0) + 1);
  }
  const hosts = [...counts.keys()];
  const listed = [...counts].map(([host, n]) => `${host}${n > 1 ? ` (x${n})` : ''}`).join(', ');
  process.stderr.write(`nono: the network filter denied ${listed}\n`);
  process.stderr.write(dim(process.stderr, `      allow with --allow-domain HOST, or network.allow_domain in the profile; nono audit list --session ${session.name} --kind net.deny has the details\n`));
  if (process.stdin.isTTY !== true || process.stderr.isTTY !== true) return;
  const draft = `${profile.replace(/[^A-Za-z0-9._-]/g, '-')}-draft`;
  const answer = await read({ prompt: `Write a draft profile ${draft} (extends ${profile}) allowing ${hosts.length === 1 ? 'this host' : 'these hosts'}? [y/N] `, output: process.stderr }).catch(() => '');
  if (!/^y(es)?$/i.test(answer.trim())) return;
  const { file } = await client.call('profile.init', {
    name: draft,
    extends: profile,
    force: true,
    fromLearn: { fragment: { network: { allow_domain: hosts } }, file: `the denials of session ${session.name}` },
  });
  process.stderr.write(`wrote ${file}; review it, then run with --profile ${draft}\n`);
}
