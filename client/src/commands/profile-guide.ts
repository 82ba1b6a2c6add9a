// `nono profile guide`: how to write a profile.
import { defineCommand } from './define-command.js';

export const registerProfileGuide = defineCommand({
  declare: (profile) => profile.command('guide').description('Print a short guide to writing profiles'),
  json: false,
  method: 'profile.guide',
  params: () => ({}),
  render: ({ markdown }) => {
    process.stdout.write(markdown);
  },
});
