// Anthropic Messages (Claude Code): POST /v1/messages, answered as SSE when the request streams.
import { stepAt } from './task-script.mjs';

const TOOLS = {
  write: (s) => ({ name: 'Write', input: { file_path: s.path, content: s.content } }),
  shell: (s) => ({ name: 'Bash', input: { command: s.command, description: 'Run a step of the task' } }),
  read: (s) => ({ name: 'Read', input: { file_path: s.path } }),
};

export function answerMessages(body, workdir, turn) {
  const results = (body.messages ?? []).flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((c) => c.type === 'tool_result').length;
  const step = Array.isArray(body.tools) && body.tools.length > 0 ? stepAt(workdir, results) : { kind: 'final', text: 'ok' };
  const block = step.kind === 'final' ? { type: 'text', text: step.text } : { type: 'tool_use', id: `toolu_${turn}`, ...TOOLS[step.kind](step) };
  const message = {
    id: `msg_${turn}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content: [block],
    stop_reason: step.kind === 'final' ? 'end_turn' : 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 10 },
  };
  if (body.stream !== true) return { json: message };
  const start = block.type === 'text' ? { type: 'text', text: '' } : { type: 'tool_use', id: block.id, name: block.name, input: {} };
  const delta = block.type === 'text' ? { type: 'text_delta', text: block.text } : { type: 'input_json_delta', partial_json: JSON.stringify(block.input) };
  return {
    events: [
      ['message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1 } } }],
      ['content_block_start', { type: 'content_block_start', index: 0, content_block: start }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta }],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: 10 } }],
      ['message_stop', { type: 'message_stop' }],
    ],
  };
}
