// profile.list: built-in and user profiles with their descriptions and bases.
import { readProfileDocument } from '../policy/profile-formats.js';
import type { MethodHandler } from './method-handler.js';

interface ProfileHead {
  meta?: { description?: string };
  extends?: string | string[];
}

export const profileList: MethodHandler<'profile.list'> = async (_params, ctx) => ({
  profiles: ctx.services.policy.profiles.list().map((p) => {
    let head: ProfileHead = {};
    try {
      head = readProfileDocument(p.file).value as ProfileHead;
    } catch {
      head = { meta: { description: '(unreadable: run nono profile validate on it)' } };
    }
    const parents = head.extends === undefined ? [] : Array.isArray(head.extends) ? head.extends : [head.extends];
    return { name: p.name, builtin: p.builtin, file: p.file, description: head.meta?.description ?? '', extends: parents };
  }),
});
