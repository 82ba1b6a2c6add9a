// policy.groups: the security groups, with what each grants and keeps out.
import type { MethodHandler } from './method-handler.js';

const PATH_KEYS = ['read', 'write', 'allow', 'read_file', 'write_file', 'allow_file', 'deny'] as const;
const COMMAND_KEYS = ['block_commands', 'block_launch'] as const;

export const policyGroups: MethodHandler<'policy.groups'> = async (params, ctx) => {
  const catalog = ctx.services.policy.groups;
  if (params.name !== undefined) catalog.get(params.name);
  const names = params.name === undefined ? catalog.names() : [params.name];
  return {
    groups: names.map((name) => {
      const group = catalog.get(name);
      const paths: Record<string, string[]> = {};
      for (const key of PATH_KEYS) if (group[key]?.length) paths[key] = group[key]!;
      const commands: Record<string, string[]> = {};
      for (const key of COMMAND_KEYS) if (group[key]?.length) commands[key] = group[key]!;
      return {
        name,
        description: group.description,
        platform: group.platform,
        required: group.required === true,
        appliesHere: catalog.appliesHere(name),
        paths,
        commands,
      };
    }),
  };
};
