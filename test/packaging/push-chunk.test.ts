/**
 * The push stream's reader is loaded on demand (packages/client/src/push-loader.ts): in the ESM build
 * it is a chunk of its own that no page loads before a tab wants a stream, in the CommonJS build a
 * file `import()` reaches, and in the script tag it is inside the one file. Runs on the build.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, childEnv, packageDir, run } from './built-packages.js';

const dist = path.join(packageDir('client'), 'dist');
const read = (file: string) => readFileSync(path.join(dist, file), 'utf8');

/** The files a module imports statically (`import … from "./x.js"`), and those it imports with `import("./x.js")`. */
function imports(code: string) {
  const statics = [...code.matchAll(/^import[^'"]*from\s*["'](\.\/[^"']+)["']/gm)].map((match) => match[1]!.slice(2));
  const dynamics = [...code.matchAll(/import\(\s*["'](\.\/[^"']+)["']\s*\)/g)].map((match) => match[1]!.slice(2));
  return { statics, dynamics };
}

/** Every file `entry` loads before any of its code runs: itself and its static imports, transitively. */
function loadedUpFront(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const file of imports(read(entry)).statics) loadedUpFront(file, seen);
  return seen;
}

beforeAll(() => assertBuilt());

describe("the push stream's reader, loaded when a tab first wants a stream", () => {
  it('ESM: neither the headless entry nor /ui loads the SSE reader up front; a chunk the entry imports on demand has it', () => {
    const upFront = new Set([...loadedUpFront('index.js'), ...loadedUpFront('ui.js')]);
    for (const file of upFront) expect(read(file), file).not.toMatch(/function createSseParser|function createPushStream/);
    const lazy = [...upFront].flatMap((file) => imports(read(file)).dynamics);
    expect(lazy).toHaveLength(1);
    expect(read(lazy[0]!)).toMatch(/function createPushStream/);
  });

  it('CommonJS: the loader reaches the reader with import() and opens one stream', async () => {
    const script = `
      const { lazyPushStream } = require(${JSON.stringify(path.join(dist, 'push-loader.cjs'))});
      const { systemClock } = require(${JSON.stringify(path.join(dist, 'clock.cjs'))});
      const requests = [];
      const target = { addEventListener() {}, removeEventListener() {} };
      const push = lazyPushStream({
        url: 'http://127.0.0.1:9/session/events',
        fetch: (url) => (requests.push(String(url)), new Promise(() => {})),
        clock: systemClock,
        win: { ...target, document: target },
        onEnded() {},
      });
      push.want(true);
      setTimeout(() => { push.close(); console.log(JSON.stringify(requests)); }, 200);
    `;
    const { stdout } = await run(process.execPath, ['-e', script], { env: childEnv() });
    expect(JSON.parse(stdout)).toEqual(['http://127.0.0.1:9/session/events']);
  });

  it('the script tag carries the reader inside and no import() to load', () => {
    const code = read('sessionguard.min.js');
    expect(code).not.toMatch(/import\(/);
    expect(code).toContain('text/event-stream');
  });
});
