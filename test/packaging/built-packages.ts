/**
 * What the packaging tests share: where the packages are, a check that they
 * were built, and an environment for child `node`/`npm` processes that does
 * not inherit the workspace's npm settings.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** execFile as a promise: resolves with { stdout, stderr }, rejects with them on a non-zero exit. */
export const run = promisify(execFile);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The published packages and the files their `exports` point at, ESM and CommonJS. */
export const PACKAGES = {
  core: ['dist/index.js', 'dist/index.d.ts', 'dist/index.cjs', 'dist/index.d.cts'],
  client: ['dist/index.js', 'dist/index.cjs', 'dist/index.d.cts', 'dist/locales.cjs', 'dist/sessionguard.min.js'],
  express: ['dist/index.js', 'dist/index.cjs', 'dist/index.d.cts', 'dist/redis/index.js', 'dist/redis/index.cjs', 'dist/redis/index.d.cts'],
} as const;

export type PackageName = keyof typeof PACKAGES;

export function packageDir(name: PackageName): string {
  return path.join(repoRoot, 'packages', name);
}

/** Throws, naming the missing file and the command that makes it, when a package was not built. */
export function assertBuilt(): void {
  for (const [name, files] of Object.entries(PACKAGES)) {
    for (const file of files) {
      const at = path.join(packageDir(name as PackageName), file);
      if (!existsSync(at)) {
        throw new Error(`packaging tests need the built packages: ${path.relative(repoRoot, at)} is missing; run \`npm run build\` first (npm test does)`);
      }
    }
  }
}

/**
 * The environment minus npm's own variables: under `npm test`, `npm_config_*` would point a child npm
 * at the workspace (its prefix, its workspaces) instead of the directory it runs in.
 */
export function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

/** `npm pack`s one package into `destination`; returns the tarball's path. */
export async function pack(name: PackageName, destination: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], { cwd: packageDir(name), env: childEnv() });
  const [packed] = JSON.parse(stdout) as [{ filename: string }];
  return path.join(destination, packed.filename);
}
