// `nono profile schema`: the JSON Schema of the profile format (for editors and CI checks).
import { defineCommand, printJson } from './define-command.js';

export const registerProfileSchema = defineCommand({
  declare: (profile) => profile.command('schema').description('Print the JSON Schema of the profile format'),
  json: false,
  method: 'profile.schema',
  params: () => ({}),
  render: printJson,
});
