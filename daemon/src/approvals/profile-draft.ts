// "Always" never edits the user's profile behind their back: the grant goes to a draft beside it,
// `<profile>-draft.json` in the user profile dir, which extends the profile and holds only what
// was approved; `nono run --profile <profile>-draft` uses it, and the diff is shown in the answer
// and the audit log so the user can fold it into the profile itself.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ApprovalRequest } from './approval-broker.js';

interface Draft {
  extends: string;
  network?: { allow_domain?: string[] };
  filesystem?: { read_file?: string[]; allow_file?: string[] };
}

/** Adds the approved host or file to the draft and returns the change as a unified-style diff. */
export function addToDraft(profilesDir: string, profile: string, request: ApprovalRequest, readOnly: boolean): string {
  // A profile given as a file (--profile ./team.json) gets its draft under its base name.
  const name = `${basename(profile).replace(/\.jsonc?$/, '').replace(/-draft$/, '')}-draft`;
  const file = join(profilesDir, `${name}.json`);
  const draft: Draft = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Draft) : { extends: profile };
  const before = JSON.stringify(draft, null, 2).split('\n');
  if (request.kind === 'network') {
    const rule = request.port === 80 || request.port === 443 ? request.host : `${request.host}:${request.port}`;
    draft.network ??= {};
    draft.network.allow_domain = [...new Set([...(draft.network.allow_domain ?? []), rule])];
  } else {
    const list = request.access === 'write' && !readOnly ? 'allow_file' : 'read_file';
    draft.filesystem ??= {};
    draft.filesystem[list] = [...new Set([...(draft.filesystem[list] ?? []), request.path])];
  }
  const text = `${JSON.stringify(draft, null, 2)}\n`;
  mkdirSync(profilesDir, { recursive: true, mode: 0o700 });
  writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  return lineDiff(file, before, text.trimEnd().split('\n'));
}

/** Lines only in `after` marked +, only in `before` marked -: enough for a JSON file that grows. */
function lineDiff(file: string, before: string[], after: string[]): string {
  const old = new Set(before);
  const kept = new Set(after);
  const lines = [`--- ${file}`, `+++ ${file}`];
  for (const line of before) if (!kept.has(line)) lines.push(`-${line}`);
  for (const line of after) lines.push(old.has(line) ? ` ${line}` : `+${line}`);
  return `${lines.join('\n')}\n`;
}
