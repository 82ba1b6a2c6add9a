// Each traced process's working directory and fds, so that a relative path or a dirfd names
// the file it meant. strace -yy annotates most fds itself; the table covers what it does not
// (plain relative paths, chdir, fds in traces made without -yy) and follows fork and clone.
import { posix } from 'node:path';
import { annotatedPath, AT_FDCWD } from './trace-parser.js';

/** Threads made with CLONE_FS / CLONE_FILES share these objects with their parent. */
export interface ProcessState {
  cwd: { path: string };
  fds: Map<number, string>;
}

/** A call that is still open, as the parser reports it: who made it and the text so far. */
export type OpenFork = () => { pid: number; text: string } | null;

function inherit(parent: ProcessState, flags: string): ProcessState {
  return {
    cwd: flags.includes('CLONE_FS') ? parent.cwd : { path: parent.cwd.path },
    fds: flags.includes('CLONE_FILES') ? parent.fds : new Map(parent.fds),
  };
}

/** The flags of a clone or clone3 call's text ("" for fork and vfork, which copy everything). */
export function cloneFlags(text: string): string {
  const at = text.indexOf('flags=');
  if (at < 0) return '';
  let end = at + 6;
  while (end < text.length && text[end] !== ',' && text[end] !== '}' && text[end] !== ')') end++;
  return text.slice(at + 6, end);
}

export class ProcessTable {
  private readonly processes = new Map<number, ProcessState>();
  /** Children that spoke before their parent's fork returned; that return must not reset them. */
  private readonly adopted = new Set<number>();

  constructor(private readonly rootCwd: string) {}

  /**
   * The state of a pid. A pid never seen before is the first process (the command, in the
   * caller's cwd) or the child of the fork still open: strace writes a child's first call
   * after the parent's `clone(… <unfinished ...>` but often before its `= pid`.
   */
  state(pid: number, openFork: OpenFork): ProcessState {
    const known = this.processes.get(pid);
    if (known) return known;
    const fork = this.processes.size > 0 ? openFork() : null;
    const parent = fork ? this.processes.get(fork.pid) : undefined;
    const state = parent && fork ? inherit(parent, cloneFlags(fork.text)) : { cwd: { path: this.rootCwd }, fds: new Map<number, string>() };
    if (parent) this.adopted.add(pid);
    this.processes.set(pid, state);
    return state;
  }

  /** A fork, vfork or clone in `parent` returned `child`. */
  forked(parent: ProcessState, child: number, flags: string): void {
    if (!this.adopted.delete(child)) {
      // A new process, or a reused pid: its state starts from the parent's now.
      this.processes.set(child, inherit(parent, flags));
      return;
    }
    const early = this.processes.get(child)!;
    if (flags.includes('CLONE_FS')) early.cwd = parent.cwd;
    if (flags.includes('CLONE_FILES')) early.fds = parent.fds;
  }
}

/** Most traced paths are already normal; resolving each one anyway costs a tenth of the parse. */
function isClean(path: string): boolean {
  return !path.includes('/.') && !path.includes('//') && (path.length === 1 || !path.endsWith('/'));
}

/**
 * The absolute path a (dirfd, path) pair names, or null when the dirfd is unknown. An
 * annotated AT_FDCWD (`AT_FDCWD</cwd>`) also corrects the process's remembered cwd.
 */
export function resolveAt(state: ProcessState, dir: { fd: number; annotation: string | null } | null, path: string): string | null {
  if (path.charCodeAt(0) === 47) return isClean(path) ? path : posix.resolve(path);
  let base: string | null | undefined;
  if (dir === null || dir.fd === AT_FDCWD) {
    base = dir?.annotation ? annotatedPath(dir.annotation) : null;
    if (base) state.cwd.path = base;
    else base = state.cwd.path;
  } else {
    base = annotatedPath(dir.annotation) ?? state.fds.get(dir.fd);
  }
  if (!base) return null;
  if (path === '') return base;
  return isClean(base) && isClean(`/${path}`) ? (base === '/' ? `/${path}` : `${base}/${path}`) : posix.resolve(base, path);
}
