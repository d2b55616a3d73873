/**
 * What the packaging tests share: where the packages are, a check that they
 * were built, an environment for child `node`/`npm` processes that does not
 * inherit the workspace's npm settings, and a fresh app outside the workspace
 * that installs the packed packages from their tarballs.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** execFile as a promise: resolves with { stdout, stderr }, rejects with them on a non-zero exit. */
export const run = promisify(execFile);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The published packages and the files their `exports` point at, ESM and CommonJS. */
export const PACKAGES = {
  core: ['dist/index.js', 'dist/index.d.ts', 'dist/index.cjs', 'dist/index.d.cts'],
  client: ['dist/index.js', 'dist/index.cjs', 'dist/index.d.cts', 'dist/ui.js', 'dist/ui.cjs', 'dist/ui.d.cts', 'dist/locales.cjs', 'dist/sessionguard.min.js'],
  express: ['dist/index.js', 'dist/index.cjs', 'dist/index.d.cts', 'dist/redis/index.js', 'dist/redis/index.cjs', 'dist/redis/index.d.cts'],
  react: ['dist/index.js', 'dist/index.d.ts', 'dist/index.cjs', 'dist/index.d.cts'],
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

/** A fresh app from {@link packedApp}: its directory and the tarballs packed into it. */
export interface PackedApp {
  dir: string;
  /** The paths of the packed core, client, express and react tarballs, to hand to `npm install`. */
  tarballs: string[];
}

/**
 * Packs every package into a new app directory under the system temp dir
 * (outside the workspace, so nothing resolves through the repo's
 * node_modules) with an empty `package.json`; installs nothing yet.
 */
export async function packedApp(label: string): Promise<PackedApp> {
  const dir = mkdtempSync(path.join(tmpdir(), `sessionguard-${label}-`));
  const destination = path.join(dir, 'tarballs');
  mkdirSync(destination);
  const tarballs = await Promise.all((Object.keys(PACKAGES) as PackageName[]).map((name) => pack(name, destination)));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `${label}-app`, private: true }));
  return { dir, tarballs };
}

/**
 * `npm install <args>` in `dir`, from the npm registry, with {@link childEnv};
 * resolves with npm's output, rejects with it (and a hint that the registry
 * may be unreachable) when npm exits non-zero.
 */
export async function npmInstall(dir: string, args: string[], timeout = 150_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('npm', ['install', ...args], { cwd: dir, env: childEnv(), timeout });
  } catch (error) {
    const { stdout = '', stderr = '', message } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm install ${args.join(' ')} failed (is the npm registry reachable?):\n${[stderr || message, stdout].filter(Boolean).join('\n')}`);
  }
}
