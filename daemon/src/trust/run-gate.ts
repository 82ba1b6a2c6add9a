// The check before every `nono run`: when a trust policy is in force (a user policy in the
// config dir, or a project one in the workdir), every included instruction file must verify,
// or the run is refused (deny), warned about (warn) or only recorded (audit).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { POLICY_FILE_NAME, loadTrustPolicy } from './trust-policy.js';
import { trustDenial, verifyAll, type TrustReport } from './verify-files.js';

export interface TrustGateResult {
  report: TrustReport;
  /** One line per file that failed, for the plan's notes (warn/audit) or the override record. */
  notes: string[];
  overridden: boolean;
}

export function userTrustPolicyFile(configDir: string): string {
  return join(configDir, POLICY_FILE_NAME);
}

/** Undefined when no trust policy is in force for this workdir. Throws the denial under deny. */
export async function checkTrust(workdir: string, configDir: string, override: boolean): Promise<TrustGateResult | undefined> {
  const userPolicyFile = userTrustPolicyFile(configDir);
  if (!existsSync(userPolicyFile) && !existsSync(join(workdir, POLICY_FILE_NAME))) return undefined;
  const policy = await loadTrustPolicy({ userPolicyFile, workdir });
  const report = await verifyAll(workdir, policy);
  const denial = trustDenial(report);
  if (denial && !override) throw denial;
  const notes = report.failures.map((failure) => `trust (${report.enforcement}${denial ? ', overridden' : ''}): ${failure.reason ?? `${failure.path} is ${failure.status}`}`);
  return { report, notes, overridden: denial !== undefined };
}
