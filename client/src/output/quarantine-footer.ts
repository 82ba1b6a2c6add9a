// After a run: what the session planted for the host to run later and nono moved aside (or
// whose set-id bits it stripped), so the user learns it here rather than from a surprise.
import type { QuarantineFinding } from '@nono/shared';

export function formatQuarantine(findings: QuarantineFinding[]): string {
  if (findings.length === 0) return '';
  const lines = findings.map((f) => `  ${f.path}${f.movedTo ? ` -> ${f.movedTo}` : ''}: ${f.reason}`);
  return `nono: the session left ${findings.length} thing(s) the host would run later; moved aside, never deleted (\`nono audit list --kind sandbox.quarantine\`):\n${lines.join('\n')}\n`;
}
