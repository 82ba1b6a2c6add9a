// The paths nearly every program touches (loader, libraries, locale, /proc, devices, /etc):
// learn counts them instead of listing them, because a list of hundreds of library files
// would bury the few grants the user actually has to decide on.

const SYSTEM_ROOTS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/proc', '/sys', '/dev', '/run', '/var/run', '/var/lib/dpkg'];

/** /run/user/UID is the user's own runtime dir (agent sockets, app state), not the system's. */
const NOT_SYSTEM = ['/run/user', '/var/run/user'];

function under(path: string, root: string): boolean {
  return path === root || (path.startsWith(root) && path.charCodeAt(root.length) === 47);
}

export function isSystemPath(path: string): boolean {
  if (path === '/') return true;
  if (NOT_SYSTEM.some((root) => under(path, root))) return false;
  return SYSTEM_ROOTS.some((root) => under(path, root));
}
