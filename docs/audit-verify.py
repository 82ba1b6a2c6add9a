#!/usr/bin/env python3
"""Checks a `nono audit export --format ndjson` file with nothing but Python's stdlib, from the
rules in docs/audit.md alone. Usage: python3 audit-verify.py FILE. Prints "OK <n> events" (exit 0)
or "BROKEN at seq N: reason" (exit 1). Signatures are not checked: the stdlib has no Ed25519."""
import hashlib, json, sys


def canonical(value):
    return json.dumps(value, ensure_ascii=False, separators=(',', ':'), sort_keys=True).encode('utf-8')


def first_break(path):
    seq, prev, rows, pinned = 0, '0' * 64, 0, {}
    with open(path, encoding='utf-8') as lines:
        for number, line in enumerate(lines, 1):
            try:
                r = json.loads(line)
            except ValueError:
                return seq + 1, f'line {number} is not JSON'
            if r['type'] == 'header' and (r['format'], r['version']) != ('nono-audit', 1):
                return 0, f"unknown export format {r['format']} {r['version']}"
            if r['type'] == 'anchor':
                seq, prev = r['seq'], r['hash']
            elif r['type'] == 'checkpoint':
                pinned[r['seq']] = r['hash']
            elif r['type'] == 'event':
                if r['seq'] != seq + 1:
                    return seq + 1, 'row deleted (seq gap)' if rows else 'head rows deleted'
                digest = hashlib.sha256(canonical([r['seq'], r['time'], r['session'], r['kind'], r['payload'], r['prev_hash']])).hexdigest()
                if digest != r['hash']:
                    return r['seq'], 'row edited (hash mismatch)'
                if r['prev_hash'] != prev:
                    return r['seq'], 'row deleted (prev_hash mismatch)' if rows else 'head rows deleted (no matching anchor)'
                if pinned.get(r['seq'], digest) != digest:
                    return r['seq'], 'row differs from the signed checkpoint'
                seq, prev, rows = r['seq'], digest, rows + 1
    if pinned and max(pinned) > seq:
        return seq + 1, f'tail truncated after checkpoint at seq {max(pinned)}'
    print(f'OK {rows} events')
    return None


if __name__ == '__main__':
    problem = first_break(sys.argv[1])
    if problem:
        print(f'BROKEN at seq {problem[0]}: {problem[1]}')
        sys.exit(1)
