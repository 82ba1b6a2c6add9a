// What `nono learn` found, for people: grants by class, what was already covered or counted,
// then the network. Paths are shown as the user would write them in a profile.
import type { LearnedPath, LearnResult } from '@nono/daemon/learn';
import { bold, dim } from './style.js';

const CLASSES: { title: string; access: LearnedPath['access'] }[] = [
  { title: 'READ', access: 'read' },
  { title: 'WRITE', access: 'write' },
  { title: 'READ+WRITE', access: 'readwrite' },
];

function shown(path: string, home: string, cwd: string): string {
  if (path === cwd || path.startsWith(`${cwd}/`)) return `./${path.slice(cwd.length + 1)}`.replace(/\/$/, '') || '.';
  if (path === home || path.startsWith(`${home}/`)) return `~${path.slice(home.length)}`;
  return path;
}

export function printLearnReport(result: LearnResult, context: { home: string; profile: string }): void {
  const out = process.stdout;
  const line = (text = '') => out.write(`${text}\n`);
  if (result.partial) line(bold(out, `partial: ${result.reason ?? 'cut short'}; these are the accesses seen until then`));
  line(`${result.command.join(' ')}: ${result.counts.processes} processes, exit ${result.signal ?? result.exitCode ?? '?'}`);
  for (const { title, access } of CLASSES) {
    const paths = result.paths.filter((p) => p.access === access);
    if (paths.length === 0) continue;
    line(bold(out, title));
    for (const p of paths) {
      const notes = [p.kind === 'dir' ? 'dir' : '', p.paths > 1 ? `${p.paths} paths` : '', p.statOnly ? 'looked at only' : '', p.system ? 'system' : ''].filter(Boolean);
      line(`  ${shown(p.path, context.home, result.cwd)}${notes.length > 0 ? dim(out, `  (${notes.join(', ')})`) : ''}`);
    }
  }
  if (result.paths.length === 0) line('no paths beyond what the profile grants');
  line(dim(out, `${result.counts.covered} paths already covered by profile ${context.profile}; ${result.counts.system} system paths counted (--all lists them)`));
  if (result.missing.length > 0) line(dim(out, `looked for and not found: ${result.missing.map((m) => shown(m, context.home, result.cwd)).join(', ')}`));
  const { outbound, listening, unixSockets } = result.network;
  if (outbound.length > 0) {
    line(bold(out, 'OUTBOUND NETWORK'));
    for (const c of outbound) line(`  ${c.host ?? c.address}${c.host ? ` (${c.address})` : ''}:${c.port} ${c.protocol} x${c.count}${c.connected ? '' : dim(out, ' (not connected)')}`);
  }
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
