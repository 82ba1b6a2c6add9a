// After a sandboxed run: what the sandbox refused, so a user sees why a tool failed instead of
// guessing. Network denials come from the audit log; filesystem ones from the errors the
// programs printed, confirmed by the policy. On a terminal nono offers a draft profile that
// allows them; nothing is widened silently: the draft is a new profile the user must choose.
import { existsSync } from 'node:fs';
import { read } from 'read';
import type { ParamsOf } from '@nono/shared';
import type { NonoClient } from '../index.js';
import type { DenialCandidate } from './denial-scanner.js';
import { dim } from './style.js';

interface FileDenial extends DenialCandidate {
  reason: string;
  /** A protected path (credentials, nono's own): never offered for a draft. */
  protectedPath: boolean;
}

async function confirmedFileDenials(client: NonoClient, request: ParamsOf<'policy.why'>, candidates: DenialCandidate[]): Promise<FileDenial[]> {
  const denials: FileDenial[] = [];
  for (const candidate of candidates) {
    const verdict = await client.call('policy.why', { ...request, path: candidate.path, op: candidate.op }).catch(() => undefined);
    if (verdict?.status !== 'BLOCKED' || (candidate.missing && !existsSync(verdict.target))) continue;
    denials.push({ ...candidate, path: verdict.target, reason: verdict.reason, protectedPath: verdict.group !== null || /protected|nono's/.test(verdict.reason) });
  }
  return denials;
}

async function networkDenials(client: NonoClient, sessionId: string): Promise<Map<string, number>> {
  const { events } = await client.call('audit.list', { session: sessionId, kind: ['net.deny'], limit: 1000 });
  const counts = new Map<string, number>();
  for (const event of events) counts.set(String(event.payload.host), (counts.get(String(event.payload.host)) ?? 0) + 1);
  return counts;
}

export async function reportDenials(
  client: NonoClient,
  session: { id: string; name: string; profile: string; proxied: boolean },
  request: ParamsOf<'policy.why'>,
  candidates: DenialCandidate[],
): Promise<void> {
  const hosts = session.proxied ? await networkDenials(client, session.id) : new Map<string, number>();
  const files = await confirmedFileDenials(client, request, candidates);
  if (hosts.size === 0 && files.length === 0) return;
  const err = process.stderr;
  if (hosts.size > 0) {
    err.write(`nono: the network filter denied ${[...hosts].map(([host, n]) => `${host}${n > 1 ? ` (x${n})` : ''}`).join(', ')}\n`);
    err.write(dim(err, `      allow with --allow-domain HOST, or network.allow_domain in the profile; nono audit list --session ${session.name} --kind net.deny has the details\n`));
  }
  for (const file of files) err.write(`nono: the sandbox denied ${file.op} of ${file.path}: ${file.reason}\n`);
  const grantable = files.filter((f) => !f.protectedPath);
  if (process.stdin.isTTY !== true || err.isTTY !== true || (hosts.size === 0 && grantable.length === 0)) return;
  const draft = `${session.profile.replace(/[^A-Za-z0-9._-]/g, '-')}-draft`;
  const answer = await read({ prompt: `Write a draft profile ${draft} (extends ${session.profile}) allowing these? [y/N] `, output: err }).catch(() => '');
  if (!/^y(es)?$/i.test(answer.trim())) return;
  const fragment = {
    ...(hosts.size > 0 ? { network: { allow_domain: [...hosts.keys()] } } : {}),
    ...(grantable.length > 0
      ? {
          filesystem: {
            read: grantable.filter((f) => f.op === 'read').map((f) => f.path),
            allow: grantable.filter((f) => f.op === 'write').map((f) => f.path),
          },
        }
      : {}),
  };
  const { file } = await client.call('profile.init', { name: draft, extends: session.profile, force: true, fromLearn: { fragment, file: `the denials of session ${session.name}` } });
  err.write(`wrote ${file}; review it, then run with --profile ${draft}\n`);
}
