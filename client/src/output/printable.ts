// Text a sandbox chose (argv, host names, paths) shown on the user's terminal: control
// characters escaped, so a newline cannot start a row of its own nor an escape sequence repaint
// the screen or forge a prompt.

export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
