// Stage 6, view: what the private filesystem view holds beyond the grants. Protected paths and
// unrequested host sockets inside grants are hidden (a granted home is rebuilt without them),
// host-exec files in writable grants are write-protected and pinned, symlinks along grants are
// recreated, blocked commands get stubs. On Landlock alone only the host-exec inventory is
// taken, for the end-of-session sweep.
import { canonicalOrLexical, isWithin } from '@nono/shared/resolve-path';
import { hostUnixSockets } from '../host-sockets.js';
import { pinsFor, planHostExecProtection, planMasks, planSymlinks, rebuildAroundMasks } from '../view-plan.js';
import { SCAN_DIR_BUDGET } from '../writable-tree-scan.js';
import { planBlockedCommands } from '../command-blocking.js';
import type { Draft, PlanContext } from './plan-draft.js';

export function viewStage(ctx: PlanContext, draft: Draft): void {
  const { view } = ctx;
  const granted = [...draft.rules.values()].sort((a, b) => a.path.localeCompare(b.path));
  const liftedHostExec = ctx.profile.filesystem?.allow_host_exec_paths ?? [];
  const hostSockets = hostUnixSockets(ctx.services.unixSocketTable)
    .map((path) => canonicalOrLexical(path))
    .filter((path) => !draft.grantedSockets.includes(path))
    .map((path) => ({ path, source: 'a host unix socket (filesystem.unix_socket grants one)' }));
  const masks = view ? planMasks(granted, [...draft.effectiveProtect, ...hostSockets]) : [];
  // Taken without the view too: the end-of-session sweep compares against it.
  const protection = planHostExecProtection(granted, masks, liftedHostExec, ctx.vars.tmpdir);
  const readonly = view ? protection.readonly : [];
  const rebuilt = view ? rebuildAroundMasks(granted, masks, (dir) => isWithin(dir, ctx.home)) : { rules: granted, symlinks: [], notes: [] };
  draft.notes.push(...rebuilt.notes);
  if (!protection.inventory.complete) {
    draft.notes.push(`the writable grants hold more than ${SCAN_DIR_BUDGET} directories: host-exec files and git directories past those scanned are not write-protected`);
  }
  if (!view) {
    const reachable = hostSockets.filter((s) => granted.some((r) => isWithin(s.path, r.path)));
    if (reachable.length > 0) draft.notes.push(`without the view these host sockets inside grants stay reachable: ${reachable.map((s) => s.path).join(', ')}`);
  }
  const blockedCommands = view ? planBlockedCommands(draft.commandRules, rebuilt.rules, ctx.request.env.PATH) : [];
  if (!view && draft.commandRules.everywhere.length > 0) draft.notes.push('blocking commands for every process needs the private filesystem view; without user namespaces only the launched command is checked');
  draft.view = {
    rules: rebuilt.rules,
    masks,
    readonly,
    pins: view ? pinsFor(readonly, rebuilt.rules) : [],
    symlinks: view ? [...planSymlinks(draft.lexicalGrants), ...rebuilt.symlinks] : [],
    blockedCommands,
    hostExec: { roots: protection.roots, inventory: protection.inventory, gitControl: protection.gitControl, lifted: liftedHostExec },
  };
}
