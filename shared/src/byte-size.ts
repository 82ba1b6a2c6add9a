// Sizes as people write them ("512M", "2G", "1.5GiB", "300kb"): binary units, case and a
// trailing B or iB optional. Callers round and bound the result as their setting needs.
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** The byte count `text` names, not yet rounded; undefined when it is not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  return match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : undefined;
}
