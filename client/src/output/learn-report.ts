// What `nono learn` found, for people: printed from the same report `--json` carries, so the
// text names exactly the grants the fragment proposes; grants by class, what was already
// covered, counted or withheld, then the network. Paths are written as in the profile, the
// working directory as ./ instead of $WORKDIR.
import type { LearnOutput, ReportedGrant } from '@nono/learn';
import { bold, dim } from './style.js';

const CLASSES: { title: string; access: ReportedGrant['access'] }[] = [
  { title: 'READ', access: 'read' },
  { title: 'WRITE', access: 'write' },
  { title: 'READ+WRITE', access: 'readwrite' },
];

const shown = (path: string): string => (path === '$WORKDIR' ? '.' : path.startsWith('$WORKDIR/') ? `./${path.slice(9)}` : path);

export function printLearnReport(output: LearnOutput, context: { profile: string }): void {
  const { learned } = output;
  const out = process.stdout;
  const line = (text = '') => out.write(`${text}\n`);
  if (learned.partial) line(bold(out, `partial: ${learned.reason ?? 'cut short'}; these are the accesses seen until then`));
  line(`${learned.command.join(' ')}: ${learned.counts.processes} processes, exit ${learned.signal ?? learned.exitCode ?? '?'}`);
  const listed = learned.grants.filter((g) => g.withheld === null);
  for (const { title, access } of CLASSES) {
    const grants = listed.filter((g) => g.access === access);
    if (grants.length === 0) continue;
    line(bold(out, title));
    for (const g of grants) {
      const notes = [g.kind === 'dir' ? 'dir' : '', g.paths > 1 ? `${g.paths} paths` : '', g.statOnly ? 'looked at only, not proposed' : '', g.system ? 'system' : ''].filter(Boolean);
      line(`  ${shown(g.path)}${notes.length > 0 ? dim(out, `  (${notes.join(', ')})`) : ''}`);
    }
  }
  if (listed.length === 0) line('no paths beyond what the profile grants');
  for (const g of learned.grants.filter((g) => g.withheld !== null)) line(dim(out, `not proposed: ${g.access} of ${shown(g.path)}, ${g.withheld}`));
  line(dim(out, `${learned.counts.covered} paths already covered by profile ${context.profile}; ${learned.counts.system} system paths counted (--all lists them)`));
  if (learned.missing.length > 0) line(dim(out, `looked for and not found: ${learned.missing.map(shown).join(', ')}`));
  const { outbound, listening, unixSockets } = learned.network;
  if (outbound.length > 0) {
    line(bold(out, 'OUTBOUND NETWORK'));
    for (const c of outbound) line(`  ${c.host ?? c.address}${c.host ? ` (${c.address})` : ''}:${c.port} ${c.protocol} x${c.count}${c.connected ? '' : dim(out, ' (not connected)')}`);
  }
  if (output.network?.allow_domain?.length) line(dim(out, `proposed: network.allow_domain ${output.network.allow_domain.join(', ')}`));
  if (listening.length > 0) {
    line(bold(out, 'LISTENING PORTS'));
    for (const l of listening) line(`  ${l.address}:${l.port} ${l.protocol}`);
  }
  if (unixSockets.length > 0) {
    line(bold(out, 'UNIX SOCKETS'));
    for (const s of unixSockets) line(`  ${s}`);
  }
  line(dim(out, 'nono learn --json … > learned.json, then nono profile init NAME --from-learn learned.json'));
}
