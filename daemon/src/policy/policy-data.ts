// Where the built-in policy data lives (daemon/data): groups, network profiles, profiles.
// Data, not code, so a reviewer can read what nono grants without reading TypeScript.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const DATA_DIR = fileURLToPath(new URL('../../data/', import.meta.url));
export const GROUPS_FILE = join(DATA_DIR, 'groups.json');
export const NETWORK_PROFILES_FILE = join(DATA_DIR, 'network-profiles.json');
export const BUILTIN_PROFILES_DIR = join(DATA_DIR, 'profiles');
export const HOST_EXEC_PATHS_FILE = join(DATA_DIR, 'host-exec-paths.json');
export const SECRET_ENV_NAMES_FILE = join(DATA_DIR, 'secret-env-names.json');
