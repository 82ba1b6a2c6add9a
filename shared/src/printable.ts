// Text a sandbox chose (argv, host names, paths) shown on the user's terminal: control
// characters escaped, so a newline cannot start a row of its own nor an escape sequence repaint
// the screen or forge a prompt; bidi controls, invisible formatting characters and the Unicode
// line separators too, so a name cannot show reversed, hidden or broken into another line
// (`notes<RLO>txt.hs` reads as a different file in an editor that applies bidi).

const ESCAPED = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

export function printable(text: string): string {
  return text.replace(ESCAPED, (c) => {
    const named = ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' } as Record<string, string>)[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
