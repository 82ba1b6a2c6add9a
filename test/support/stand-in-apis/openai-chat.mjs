// OpenAI Chat Completions (OpenCode through @ai-sdk/openai-compatible): POST /v1/chat/completions.
import { stepAt } from './task-script.mjs';

const TOOLS = {
  write: (s) => ({ name: 'write', arguments: { filePath: s.path, content: s.content } }),
  shell: (s) => ({ name: 'bash', arguments: { command: s.command, description: 'Run a step of the task' } }),
  read: (s) => ({ name: 'read', arguments: { filePath: s.path } }),
};

export function answerChat(body, workdir, turn) {
  const results = (body.messages ?? []).filter((m) => m.role === 'tool').length;
  const step = Array.isArray(body.tools) && body.tools.length > 0 ? stepAt(workdir, results) : { kind: 'final', text: 'Stand-in task' };
  const call = step.kind === 'final' ? undefined : TOOLS[step.kind](step);
  const toolCall = call && { index: 0, id: `call_${turn}`, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.arguments) } };
  const finish = call ? 'tool_calls' : 'stop';
  const base = { id: `chatcmpl-${turn}`, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
  const usage = { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 };
  if (body.stream !== true) {
    const message = call ? { role: 'assistant', content: null, tool_calls: [toolCall] } : { role: 'assistant', content: step.text };
    return { json: { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finish }], usage } };
  }
  const delta = call ? { role: 'assistant', tool_calls: [toolCall] } : { role: 'assistant', content: step.text };
  return {
    events: [
      [null, { ...base, choices: [{ index: 0, delta, finish_reason: null }] }],
      [null, { ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] }],
      [null, { ...base, choices: [], usage }],
      [null, '[DONE]'],
    ],
  };
}
