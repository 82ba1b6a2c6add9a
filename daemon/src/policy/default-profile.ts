// The profile `nono run` and `nono shell` use when none is named: `default_profile` in
// config.json (set by `nono profile use`), else the built-in `default`. Read on every run so a
// change applies at once.
import { readUserConfig } from '../user-config.js';

export const BUILTIN_DEFAULT = 'default';

export function defaultProfile(configDir: string): string {
  const name = readUserConfig(configDir, 'PROFILE_INVALID').default_profile;
  return typeof name === 'string' && name !== '' ? name : BUILTIN_DEFAULT;
}
