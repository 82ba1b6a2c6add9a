// Stage 11, nono's own: what nono adds to every sandbox rather than the policy asking for it.
// Its files the sandbox must read (the fetch() proxy preload, the session CA), the private
// /tmp, and what the helper makes in the view itself (/dev, /dev/pts, /dev/shm, /tmp) with
// the Landlock rules it adds for them. Listed here so the plan is everything the helper
// applies; the helper makes the view's own from `view 1` and `tmp`, not from rules.
import { join } from 'node:path';
import type { PlanRule, SandboxPlan } from '@nono/shared';
import { FETCH_PRELOAD, needsSessionCa, sessionCaFiles, UNDICI_DIR } from '../../network/session-proxy.js';
import { currentPlatform } from '../group-catalog.js';
import { privateTmpPath } from '../../sandbox/private-tmp.js';
import { READ_RIGHTS, WRITE_RIGHTS } from './landlock-rights.js';
import type { Draft, PlanContext } from './plan-draft.js';

/** The sandbox's own devices, as the helper mounts them and the rights it grants on them. */
const OWN_DEV: { path: string; type: 'tmpfs' | 'devpts'; rights: string[] | null }[] = [
  { path: '/dev', type: 'tmpfs', rights: null },
  { path: '/dev/pts', type: 'devpts', rights: ['read_file', 'write_file', 'ioctl_dev'] },
  { path: '/dev/shm', type: 'tmpfs', rights: ['read_file', 'write_file', 'read_dir', 'make_reg', 'make_dir', 'remove_file', 'remove_dir', 'truncate'] },
];

/** The links the helper makes in its own /dev. */
const OWN_DEV_LINKS = [
  { path: '/dev/fd', target: '/proc/self/fd' },
  { path: '/dev/stdin', target: '/proc/self/fd/0' },
  { path: '/dev/stdout', target: '/proc/self/fd/1' },
  { path: '/dev/stderr', target: '/proc/self/fd/2' },
  { path: '/dev/ptmx', target: 'pts/ptmx' },
];

export function ownStage(ctx: PlanContext, draft: Draft, sessionId: string): void {
  const rules: PlanRule[] = [];
  const mounts: NonNullable<SandboxPlan['ownMounts']> = [];
  const env: Record<string, string> = {};
  if (draft.network!.mode === 'proxied') {
    // Node's fetch honours the proxy only from 22.21 on; older Node gets a preload for it.
    const options = draft.environment!.values.NODE_OPTIONS;
    env.NODE_OPTIONS = `${options ? `${options} ` : ''}--require "${FETCH_PRELOAD}"`;
    rules.push(
      { path: FETCH_PRELOAD, access: 'read', kind: 'file', source: 'nono: fetch() proxy preload' },
      { path: UNDICI_DIR, access: 'read', kind: 'dir', source: 'nono: fetch() proxy preload' },
    );
    if (needsSessionCa(draft.network!.hosts)) {
      const files = sessionCaFiles(join(ctx.services.paths.runtimeDir, 'proxies'), sessionId);
      for (const path of [files.ca, files.bundle]) rules.push({ path, access: 'read', kind: 'file', source: 'nono: session CA for intercepted hosts' });
    }
  }
  let privateTmp: string | null = null;
  if (draft.privateTmp) {
    const tmp = privateTmpPath(sessionId);
    if (ctx.view) {
      privateTmp = tmp;
      env.TMPDIR = env.TMP = env.TEMP = '/tmp';
    } else {
      rules.push({ path: tmp, access: 'readwrite', kind: 'dir', source: 'private TMPDIR' });
      env.TMPDIR = env.TMP = env.TEMP = tmp;
    }
  }
  // The view's own devices are the Linux helper's; the macOS preview has none.
  if (ctx.view && (ctx.platform ?? currentPlatform()) === 'linux') {
    for (const dev of OWN_DEV) {
      mounts.push({ path: dev.path, type: dev.type, from: null, source: `nono: sandbox's own ${dev.path}` });
      if (dev.rights) rules.push({ path: dev.path, access: 'readwrite', kind: 'dir', source: `nono: sandbox's own ${dev.path}`, own: true, rights: dev.rights });
    }
    for (const link of OWN_DEV_LINKS) mounts.push({ path: link.path, type: 'symlink', from: link.target, source: "nono: sandbox's own /dev" });
    if (privateTmp) {
      mounts.push({ path: '/tmp', type: 'bind', from: privateTmp, source: "nono: sandbox's own /tmp" });
      rules.push({ path: '/tmp', access: 'readwrite', kind: 'dir', source: "nono: sandbox's own /tmp", own: true, rights: [...READ_RIGHTS, ...WRITE_RIGHTS] });
    }
  }
  draft.own = { rules, mounts, privateTmp, tmpDir: draft.privateTmp ? privateTmpPath(sessionId) : null, env };
}
