// After a run: what the session planted for the host to run later and nono moved aside (or
// whose set-id bits it stripped), so the user learns it here rather than from a surprise.
import type { NotificationParamsOf } from '@nono/shared';

export type Quarantined = NonNullable<NotificationParamsOf<'session.exit'>['quarantined']>;

export function formatQuarantine(findings: Quarantined): string {
  if (findings.length === 0) return '';
  const lines = findings.map((f) => `  ${f.path}${f.movedTo ? ` -> ${f.movedTo}` : ''}: ${f.reason}`);
  return `nono: the session left ${findings.length} thing(s) the host would run later; moved aside, never deleted (\`nono audit list --kind sandbox.quarantine\`):\n${lines.join('\n')}\n`;
}
