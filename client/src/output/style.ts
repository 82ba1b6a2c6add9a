// Colour only for people: off when NO_COLOR is set or the stream is not a terminal.
export function useColor(stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && process.env.TERM !== 'dumb';
}

export function paint(stream: NodeJS.WriteStream, code: string, text: string): string {
  return useColor(stream) ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export const bold = (s: NodeJS.WriteStream, t: string): string => paint(s, '1', t);
export const red = (s: NodeJS.WriteStream, t: string): string => paint(s, '31', t);
export const green = (s: NodeJS.WriteStream, t: string): string => paint(s, '32', t);
export const dim = (s: NodeJS.WriteStream, t: string): string => paint(s, '2', t);
