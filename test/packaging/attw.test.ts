/**
 * What we ship has the right types for every way it is loaded: Are the Types
 * Wrong (`attw`) on each packed tarball finds no problem, and each entry
 * point resolves to CommonJS types (.d.cts) from a node16 CommonJS project,
 * to ESM types (.d.ts) from a node16 ES module, and to types under bundler
 * resolution. Runs on the build (`npm run build`; npm test builds first).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, childEnv, pack, repoRoot, run, type PackageName } from './built-packages.js';

interface AttwResolution {
  resolution?: { fileName: string; isTypeScript: boolean };
}
interface AttwReport {
  analysis: {
    problems: { kind: string; entrypoint?: string; resolutionKind?: string }[];
    entrypoints: Record<string, { resolutions: Record<string, AttwResolution> }>;
  };
}

const attw = path.join(repoRoot, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
let packed: string;

beforeAll(() => {
  assertBuilt();
  packed = mkdtempSync(path.join(tmpdir(), 'sessionguard-attw-'));
});

afterAll(() => {
  if (packed) rmSync(packed, { recursive: true, force: true });
});

describe('attw on the packed packages', () => {
  it.each<[PackageName, string[], string[]]>([
    ['core', ['.'], []],
    ['express', ['.', './redis'], []],
    // The script tag is a classic script (window.SessionGuard), not a module to import: it has no types to check.
    ['client', ['.', './ui', './locales'], ['sessionguard.min.js']],
    ['react', ['.'], []],
  ])('@sessionguard/%s: no problems; node16-cjs, node16-esm and bundler all resolve to types', async (name, entrypoints, excluded) => {
    const tarball = await pack(name, packed);
    const args = [attw, tarball, '--format', 'json', ...(excluded.length ? ['--exclude-entrypoints', ...excluded] : [])];
    // attw exits 1 when it finds problems; its JSON report is on stdout either way.
    const { stdout } = await run(process.execPath, args, { env: childEnv(), maxBuffer: 64 * 1024 * 1024 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    const report = JSON.parse(stdout) as AttwReport;
    expect(report.analysis.problems).toEqual([]);
    for (const entrypoint of entrypoints) {
      const resolutions = report.analysis.entrypoints[entrypoint]?.resolutions ?? {};
      const types = (kind: string) => resolutions[kind]?.resolution?.fileName ?? `(${kind}: unresolved)`;
      expect(types('node16-cjs'), `${name} ${entrypoint}`).toMatch(/\.d\.cts$/);
      expect(types('node16-esm'), `${name} ${entrypoint}`).toMatch(/\.d\.ts$/);
      expect(types('bundler'), `${name} ${entrypoint}`).toMatch(/\.d\.ts$/);
    }
  }, 180_000); // attw builds a TypeScript program per resolution mode: seconds alone, much more on a busy machine
});
