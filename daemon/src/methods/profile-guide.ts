// profile.guide: the profile-writing guide shipped with the policy data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR } from '../policy/policy-data.js';
import type { MethodHandler } from './method-handler.js';

export const profileGuide: MethodHandler<'profile.guide'> = async () => ({
  markdown: readFileSync(join(DATA_DIR, 'profile-guide.md'), 'utf8'),
});
