// OpenAI Responses (Codex): POST /v1/responses as SSE. Codex 0.169 offers its tools through one
// "exec" tool that runs JavaScript calling them (tools.apply_patch, tools.exec_command), so each
// step is a small script. Its WebSocket attempt on GET /v1/responses gets a 404 and it falls
// back to HTTPS.
import { stepAt } from './task-script.mjs';

const shell = (command) => `const r = await tools.exec_command({ cmd: ${JSON.stringify(command)}, login: false });\ntext(r.output);\n`;
const SCRIPTS = {
  write: (s) => {
    const lines = s.content.replace(/\n$/, '').split('\n').map((line) => `+${line}`);
    const patch = ['*** Begin Patch', `*** Add File: ${s.path}`, ...lines, '*** End Patch', ''].join('\n');
    return `const r = await tools.apply_patch(${JSON.stringify(patch)});\ntext(JSON.stringify(r));\n`;
  },
  shell: (s) => shell(s.command),
  read: (s) => shell(`cat ${JSON.stringify(s.path)}`),
};

export function answerResponses(body, workdir, turn) {
  const input = Array.isArray(body.input) ? body.input : [];
  const offersTools = (body.tools ?? []).length > 0 || input.some((i) => i.type === 'additional_tools');
  const results = input.filter((i) => i.type === 'custom_tool_call_output' || i.type === 'function_call_output').length;
  const step = offersTools ? stepAt(workdir, results) : { kind: 'final', text: 'ok' };
  const item =
    step.kind === 'final'
      ? { type: 'message', id: `msg_${turn}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: step.text, annotations: [] }] }
      : { type: 'custom_tool_call', id: `ctc_${turn}`, call_id: `call_${turn}`, name: 'exec', input: SCRIPTS[step.kind](step), status: 'completed' };
  const usage = { input_tokens: 10, input_tokens_details: null, output_tokens: 10, output_tokens_details: null, total_tokens: 20 };
  return {
    events: [
      ['response.created', { type: 'response.created', response: { id: `resp_${turn}` } }],
      ['response.output_item.done', { type: 'response.output_item.done', output_index: 0, item }],
      ['response.completed', { type: 'response.completed', response: { id: `resp_${turn}`, usage } }],
    ],
  };
}
