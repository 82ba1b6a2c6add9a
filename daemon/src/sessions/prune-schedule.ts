// Ended sessions forgotten on a schedule: `"sessions": {"prune_after_hours": N}` in config.json
// makes the daemon's hourly housekeeping prune sessions that ended more than N hours ago, as
// `nono prune` would. Read at each pass, so an edit applies without a restart.
import { NonoError } from '@nono/shared';
import { readUserConfig, userConfigFile } from '../user-config.js';

/** Hours after which an ended session is pruned, or null when the user set none. */
export function pruneAfterHours(configDir: string): number | null {
  const config = readUserConfig(configDir) as { sessions?: { prune_after_hours?: unknown } };
  const hours = config.sessions?.prune_after_hours;
  if (hours === undefined) return null;
  if (typeof hours !== 'number' || !Number.isFinite(hours) || hours < 0) {
    const file = userConfigFile(configDir);
    throw new NonoError('INVALID_PARAMS', `${file}: sessions.prune_after_hours must be a number of hours (0 or more), not ${JSON.stringify(hours)}; fix it or remove the key`, {
      path: file,
      key: 'sessions.prune_after_hours',
    });
  }
  return hours;
}
