// After a sandboxed run: what the sandbox refused, so a user sees why a tool failed instead of
// guessing. Network denials come from the audit log, split by whether an allow rule would change
// them (an allowed host that does not resolve or refuses the connection is no denial, and gets no
// rule suggested); filesystem ones too (fs.deny: the daemon reads the errors the programs printed
// and confirms each against the session's policy).
// On a terminal nono offers a draft profile that allows them; nothing is widened silently: the
// draft is a new profile the user must choose, and never offers what the user refused when asked.
import { homedir } from 'node:os';
import { read } from 'read';
import type { AfterRun } from '@nono/shared/cli/run-notices';
import type { NonoClient } from '../index.js';
import { dim } from './style.js';

export interface FileDenial {
  path: string;
  op: 'read' | 'write';
  rule: string;
  reason: string;
  /** A protected path (credentials, nono's own): never offered for a draft. */
  protectedPath: boolean;
}

/** The file denials the daemon recorded for a session (fs.deny), oldest first. */
export async function fileDenials(client: NonoClient, session: string): Promise<FileDenial[]> {
  const { events } = await client.call('audit.list', { session, kind: ['fs.deny'], limit: 1000 });
  return events.map(({ payload }) => ({
    path: String(payload.path),
    op: payload.op === 'write' ? 'write' : 'read',
    rule: String(payload.rule),
    reason: String(payload.reason),
    protectedPath: payload.protected === true,
  }));
}

export const fileDenialLine = (file: FileDenial): string => `nono: the sandbox denied ${file.op} of ${file.path}: ${file.reason}\n`;

interface NetworkReport {
  /** Hosts a rule would let through, each with that rule and how often it was refused. */
  fixable: Map<string, { rule: string; count: number }>;
  /** Refusals no allow rule changes (metadata, link-local, deny_domain), by reason. */
  final: Map<string, number>;
  /** Allowed, but unreachable (does not resolve, refused, timed out, TLS), by what failed. */
  failed: Map<string, number>;
}

interface ApprovalReport {
  /** Rate-limit refusals recorded (one per burst): said once, not once per request. */
  rateLimited: number;
  /** Paths the user was asked about and refused (denied, or allowed for reading only). */
  refused: Set<string>;
}

async function approvalReport(client: NonoClient, session: string): Promise<ApprovalReport> {
  const { events } = await client.call('audit.list', { session, kind: ['approval'], limit: 1000 });
  const report: ApprovalReport = { rateLimited: 0, refused: new Set() };
  for (const { payload } of events) {
    if (payload.by === 'rate-limit') report.rateLimited++;
    const askedUser = typeof payload.by === 'string' && / \(.*\)$/.test(payload.by);
    if (payload.request === 'file' && askedUser && (payload.answer === 'deny' || payload.readOnly === true)) report.refused.add(String(payload.subject));
  }
  return report;
}

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
const times = (n: number) => (n > 1 ? ` (x${n})` : '');

async function networkReport(client: NonoClient, sessionId: string): Promise<NetworkReport> {
  const { events } = await client.call('audit.list', { session: sessionId, kind: ['net.deny', 'net.fail'], limit: 1000 });
  const report: NetworkReport = { fixable: new Map(), final: new Map(), failed: new Map() };
  for (const { kind, payload } of events) {
    const host = String(payload.host);
    if (kind === 'net.fail') bump(report.failed, String(payload.rule));
    // A deny without a cause comes from an older daemon: reported as before, the host as the rule.
    else if (payload.cause !== undefined && typeof payload.suggest !== 'string') bump(report.final, String(payload.rule));
    else {
      const entry = report.fixable.get(host) ?? { rule: typeof payload.suggest === 'string' ? payload.suggest : host, count: 0 };
      entry.count++;
      report.fixable.set(host, entry);
    }
  }
  return report;
}

function writeNetworkReport(err: NodeJS.WriteStream, report: NetworkReport, sessionName: string): void {
  if (report.fixable.size > 0) {
    err.write(`nono: the network filter denied ${[...report.fixable].map(([host, { count }]) => `${host}${times(count)}`).join(', ')}\n`);
    const flags = [...new Set([...report.fixable.values()].map((f) => `--allow-domain ${f.rule}`))].join(' ');
    err.write(dim(err, `      allow with ${flags}, or network.allow_domain in the profile; nono audit list --session ${sessionName} --kind net.deny has the details\n`));
  }
  for (const [reason, n] of report.final) err.write(`nono: the network filter denied${times(n)}, and no allow rule changes it: ${reason}\n`);
  for (const [what, n] of report.failed) err.write(`nono: not a policy denial${times(n)}: ${what}\n`);
}

export async function reportDenials(client: NonoClient, session: AfterRun): Promise<void> {
  const [network, files, approvals] = await Promise.all([
    session.proxied ? networkReport(client, session.id) : { fixable: new Map(), final: new Map(), failed: new Map() },
    session.files === false ? [] : fileDenials(client, session.id),
    session.asked === false ? { rateLimited: 0, refused: new Set<string>() } : approvalReport(client, session.id),
  ]);
  const hosts = network.fixable;
  if (hosts.size === 0 && network.final.size === 0 && network.failed.size === 0 && files.length === 0 && approvals.rateLimited === 0) return;
  const err = process.stderr;
  writeNetworkReport(err, network, session.name);
  for (const file of files) err.write(fileDenialLine(file));
  if (approvals.rateLimited > 0) err.write(`nono: too many approval requests${times(approvals.rateLimited)}: the rest were denied without asking; nono audit list --session ${session.name} --kind approval has them\n`);
  // A listing of ~ (or / above it) refused is no reason to draft read of every secret in it.
  const home = process.env.HOME ?? homedir();
  const grantable = files.filter((f) => !f.protectedPath && !approvals.refused.has(f.path) && !(f.path === home || home.startsWith(`${f.path === '/' ? '' : f.path}/`)));
  if (process.stdin.isTTY !== true || err.isTTY !== true || (hosts.size === 0 && grantable.length === 0)) return;
  const draft = `${session.profile.replace(/[^A-Za-z0-9._-]/g, '-')}-draft`;
  const answer = await read({ prompt: `Write a draft profile ${draft} (extends ${session.profile}) allowing these? [y/N] `, output: err }).catch(() => '');
  if (!/^y(es)?$/i.test(answer.trim())) return;
  const fragment = {
    ...(hosts.size > 0 ? { network: { allow_domain: [...new Set([...hosts.values()].map((f) => f.rule))] } } : {}),
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
