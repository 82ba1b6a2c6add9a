// Gemini (Gemini CLI): POST /v1beta/models/MODEL:generateContent, or :streamGenerateContent
// answered as SSE (?alt=sse).
import { stepAt } from './task-script.mjs';

/** The declared parameter of tool `name` among `candidates` (names moved between releases). */
function param(declarations, name, candidates) {
  const properties = declarations.find((d) => d.name === name)?.parametersJsonSchema?.properties ?? declarations.find((d) => d.name === name)?.parameters?.properties ?? {};
  return candidates.find((c) => c in properties) ?? candidates[0];
}

export function answerGenerate(body, workdir, turn, path) {
  const declarations = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
  const results = (body.contents ?? []).flatMap((c) => c.parts ?? []).filter((p) => p.functionResponse).length;
  const step = declarations.length > 0 ? stepAt(workdir, results) : { kind: 'final', text: 'ok' };
  const calls = {
    write: (s) => ({ name: 'write_file', args: { [param(declarations, 'write_file', ['file_path', 'absolute_path'])]: s.path, content: s.content } }),
    shell: (s) => ({ name: 'run_shell_command', args: { command: s.command, description: 'Run a step of the task' } }),
    read: (s) => ({ name: 'read_file', args: { [param(declarations, 'read_file', ['file_path', 'absolute_path'])]: s.path } }),
  };
  const part = step.kind === 'final' ? { text: step.text } : { functionCall: { id: `call_${turn}`, ...calls[step.kind](step) } };
  const response = {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 10, totalTokenCount: 20 },
    modelVersion: 'stand-in',
  };
  return path.includes(':streamGenerateContent') ? { events: [[null, response]] } : { json: response };
}
