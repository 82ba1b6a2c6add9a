// Gathers proposed grants into fewer: files folded into a directory grant above them that
// already gives their access, and several entries of one directory needing the same access
// replaced by the directory, but never by $HOME, /tmp or another directory shared with secrets.
import { dirname } from 'node:path';
import type { Access } from '@nono/shared';
import { canonicalOrLexical } from '@nono/shared/resolve-path';
import type { LearnedPath } from './learn-result.js';

/** Entries of one directory that make the directory the grant instead. */
const COLLAPSE_AT = 3;

export const covers = (grant: Access, need: Access) => grant === 'readwrite' || grant === need;
const union = (a: Access, b: Access): Access => (a === b ? a : 'readwrite');

/**
 * Directories many tools share, next to secrets: never the result of a collapse, and never
 * made writable because a file in them was opened with O_CREAT.
 */
export function sharedRoots(home: string): Set<string> {
  const roots = new Set(['/tmp', '/var/tmp', '/dev/shm', '/run/user']);
  for (const base of new Set([home, canonicalOrLexical(home)])) {
    for (let dir = base; dir !== '/'; dir = dirname(dir)) roots.add(dir);
    for (const sub of ['.config', '.cache', '.local', '.local/share', '.local/state', '.local/bin']) roots.add(`${base}/${sub}`);
  }
  return roots;
}

function depthOf(path: string): number {
  let depth = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) depth++;
  return path === '/' ? 0 : depth;
}

/** Drops every grant a directory grant above it already gives, adding to that grant's count. */
function absorb(grants: Map<string, LearnedPath>): void {
  for (const grant of [...grants.values()]) {
    for (let dir = dirname(grant.path); ; dir = dirname(dir)) {
      const holder = grants.get(dir);
      if (holder && holder.kind === 'dir' && !holder.statOnly && holder.withheld === null && covers(holder.access, grant.access)) {
        holder.paths += grant.paths;
        grants.delete(grant.path);
        break;
      }
      if (dir === '/') break;
    }
  }
}

/**
 * Replaces COLLAPSE_AT or more entries of one directory that need the same access with the
 * directory, deepest first so collapsed directories can collapse again. Grouping by access
 * keeps a written file from turning its read-only siblings writable.
 */
function collapse(grants: Map<string, LearnedPath>, roots: Set<string>): void {
  const deepest = Math.max(0, ...[...grants.keys()].map(depthOf));
  for (let depth = deepest; depth >= 3; depth--) {
    const siblings = new Map<string, LearnedPath[]>();
    for (const grant of grants.values()) {
      // A bare stat asks for no contents; gathering it would grant a whole directory for nothing.
      if (grant.statOnly || depthOf(grant.path) !== depth) continue;
      const key = `${grant.access} ${dirname(grant.path)}`;
      const group = siblings.get(key);
      if (group) group.push(grant);
      else siblings.set(key, [grant]);
    }
    for (const children of siblings.values()) {
      const parent = dirname(children[0]!.path);
      if (children.length < COLLAPSE_AT || roots.has(parent)) continue;
      const held = grants.get(parent);
      const merged: LearnedPath = { path: parent, access: children[0]!.access, kind: 'dir', paths: 0, statOnly: false, system: true, withheld: null };
      if (held) {
        merged.paths = held.paths;
        merged.system = held.system;
        if (!held.statOnly) merged.access = union(merged.access, held.access);
      }
      for (const child of children) {
        merged.paths += child.paths;
        merged.system &&= child.system;
        grants.delete(child.path);
      }
      grants.set(parent, merged);
    }
  }
}

/** Folds and gathers the grants in place. */
export function collapseGrants(grants: Map<string, LearnedPath>, roots: Set<string>): void {
  absorb(grants);
  collapse(grants, roots);
  absorb(grants);
}
