// Stage 5, commands: the command-blocking rules as decided (groups, profile, flags), and the
// launched command judged by them, found on the caller's PATH and granted read+execute where
// it lies outside the grants. The stubs that enforce the rules in the view are placed by the
// view stage, which knows the final grants.
import { NonoError } from '@nono/shared';
import { isWithin, kindOf, statIfVisible } from '@nono/shared/resolve-path';
import { refuseLaunch, type CommandRules } from '../command-blocking.js';
import { planLaunch } from '../launch-command.js';
import { addRule, conflictsOf, describeConflict, type Draft, type PlanContext } from './plan-draft.js';

export function commandStage(ctx: PlanContext, draft: Draft): void {
  const { request, profile, resolved, services } = ctx;
  const commandRules: CommandRules = {
    everywhere: [
      ...ctx.groups.flatMap((name) => (services.groups.get(name).block_commands ?? []).map((pattern) => ({ pattern, source: name }))),
      ...(profile.commands?.deny ?? []).map((pattern) => ({ pattern, source: `profile ${resolved.name}: commands.deny` })),
      ...(request.blockCommand ?? []).map((pattern) => ({ pattern, source: '--block-command' })),
    ],
    launch: ctx.groups.flatMap((name) => (services.groups.get(name).block_launch ?? []).map((pattern) => ({ pattern, source: name }))),
    allow: [
      ...(profile.commands?.allow ?? []).map((pattern) => ({ pattern, source: `profile ${resolved.name}: commands.allow` })),
      ...(request.allowCommand ?? []).map((pattern) => ({ pattern, source: '--allow-command' })),
    ],
  };
  draft.commandRules = commandRules;
  if (!request.argv || request.argv.length === 0) return;

  const readable = (path: string): boolean =>
    [...draft.rules.values()].some((r) => r.access !== 'write' && (r.kind === 'dir' ? isWithin(path, r.path) : r.path === path));
  const found = planLaunch(request.argv, { cwd: request.cwd, pathVariable: request.env.PATH, home: ctx.home }, readable, (word, names) => refuseLaunch(commandRules, word, names));
  draft.lexicalGrants.push(...found.chains);
  const granted: string[] = [];
  for (const need of found.needs) {
    const hit = conflictsOf(need.path, draft.effectiveProtect, ctx.view)[0];
    if (hit) {
      throw new NonoError(
        'PATH_DENIED',
        `launched command ${need.why}: ${describeConflict(need.path, hit)}; nono never grants a protected path to run a command: install it elsewhere or run it from where it is granted`,
        { path: need.path, protected: hit.path, rule: hit.source },
      );
    }
    addRule(draft, need.path, 'read', kindOf(statIfVisible(need.path)!), `launched command ${need.why}`);
    granted.push(`${need.path} (${need.why})`);
  }
  const note = granted.length > 0 ? `launched command ${request.argv[0]}: outside the grants, so read+execute is granted on ${granted.join(', ')}` : null;
  if (note) draft.notes.push(note);
  draft.launch = { command: request.argv[0]!, file: found.file, granted: found.needs.map((n) => n.path), note };
}
