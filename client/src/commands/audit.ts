// `nono audit …`: the tamper-evident record of sessions, decisions and secret use.
import type { Command } from 'commander';
import { registerAuditList } from './audit-list.js';
import { registerAuditVerify } from './audit-verify.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('List, verify and export the tamper-evident audit log');
  for (const register of [registerAuditList, registerAuditVerify]) register(audit);
}
