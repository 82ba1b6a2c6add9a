// The rooms stay apart: no import circles inside a package (a circle makes every file in it load
// and change together), and the client reaches the daemon only over the socket, never through
// an import or a package dependency. dependency-cruiser reads the real import graph, type-only
// imports included.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { REPO } from '../support/run-cli.js';

async function importGraph(dir: string): Promise<ICruiseResult> {
  const result = await cruise([join(REPO, dir)], {
    baseDir: REPO,
    validate: true,
    ruleSet: { forbidden: [{ name: 'no-circular', severity: 'error', from: {}, to: { circular: true } }] },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    // Sources import siblings as ./x.js (NodeNext), which on disk are ./x.ts.
    enhancedResolveOptions: { extensionAlias: { '.js': ['.ts', '.js'] } },
  });
  return result.output as ICruiseResult;
}

/** Each circle once, as the files around it. */
function circles(graph: ICruiseResult): string[] {
  const found = new Set<string>();
  for (const violation of graph.summary.violations) {
    if (violation.rule.name !== 'no-circular') continue;
    const ring = [violation.from, ...(violation.cycle ?? []).map((step) => step.name)];
    const start = ring.indexOf([...ring].sort()[0]!);
    found.add([...ring.slice(start), ...ring.slice(0, start)].join(' → '));
  }
  return [...found].sort();
}

describe('import graph', () => {
  for (const dir of ['daemon/src', 'client/src', 'learn/src', 'shared/src']) {
    it(`has no import circles in ${dir}`, async () => {
      const graph = await importGraph(dir);
      expect(graph.modules.length).toBeGreaterThan(5);
      expect(circles(graph)).toEqual([]);
    }, 60_000);
  }

  // The CLI runs learn, so learn's package must stay off the daemon too.
  for (const pkg of ['client', 'learn']) {
    it(`keeps ${pkg}/ off the daemon package: no dependency in its package.json, no import or require in ${pkg}/src`, async () => {
      const manifest = JSON.parse(readFileSync(join(REPO, pkg, 'package.json'), 'utf8')) as Record<string, unknown>;
      for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
        expect(Object.keys((manifest[field] as Record<string, string> | undefined) ?? {}), field).not.toContain('@nono/daemon');
      }
      const graph = await importGraph(`${pkg}/src`);
      const intoDaemon = graph.modules.flatMap((m) =>
        m.dependencies.filter((d) => d.module.startsWith('@nono/daemon') || d.resolved.startsWith('daemon/')).map((d) => `${m.source} → ${d.module}`),
      );
      expect(intoDaemon).toEqual([]);
      // require.resolve('@nono/daemon/…') and the like are no imports to the graph, but would
      // still tie the packages: any quoted specifier naming the daemon package counts.
      const src = join(REPO, pkg, 'src');
      const specifier = /(['"`])@nono\/daemon(\/[^'"`]*)?\1/;
      const naming = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && specifier.test(readFileSync(join(src, file), 'utf8')));
      expect(naming).toEqual([]);
    }, 60_000);
  }
});
