// A verify report for people: one line per snapshot, then each damaged object by path.
import type { ResultOf } from '@nono/shared';
import { displayPath } from './change-list.js';
import { red } from './style.js';

export function printVerify(report: ResultOf<'snapshot.verify'>): void {
  for (const s of report.snapshots) {
    const ok = s.rootMatches && s.problems.length === 0;
    process.stdout.write(`${s.tree} ${s.manifest}: ${ok ? 'ok' : red(process.stdout, 'DAMAGED')}${s.rootMatches ? '' : ' (manifest does not match its Merkle root)'}\n`);
    for (const p of s.problems) process.stdout.write(`  ${p.state} object ${p.hash} (${displayPath(p)})\n`);
  }
}
