/**
 * Docs that run (issue 11 part 9): every ```ts block of README.md,
 * packages/*\/README.md, examples/*\/README.md and demo/README.md compiles,
 * strict, as an ES module of an app that installed the built packages
 * (`@sessionguard/*` resolved through their `exports` to dist/*.d.ts). A
 * failure names the file, the block and the compiler's error at its line.
 * Conventions (preludes for the reader's own names, `// not compiled:`) are
 * in readme-blocks.ts. Runs on the build (`npm run build`; npm test builds first).
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, repoRoot } from './built-packages.js';
import { compileBlocks, extractBlocks, readmeBlocks, type CodeBlock } from './readme-blocks.js';

const { blocks, problems } = readmeBlocks(repoRoot);
const compiled = blocks.filter((block) => block.notCompiled === null);
const label = (block: CodeBlock) => `${block.file} block ${block.index} (line ${block.line})`;

let project: string;
let results: ReturnType<typeof compileBlocks>;

beforeAll(() => {
  assertBuilt();
  // An ES module app outside the workspace whose node_modules are the workspace's: @sessionguard/* are links to
  // packages/*, so their package.json `exports` lead the compiler to the built declarations, as after npm install.
  project = mkdtempSync(path.join(tmpdir(), 'sessionguard-readme-'));
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'readme-blocks', private: true, type: 'module' }));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  results = compileBlocks(project, compiled, (file, text) => writeFileSync(file, text));
}, 120_000); // one program for every block: a few seconds alone, more on a busy 2-core machine

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the TypeScript blocks of the READMEs', () => {
  it('are found in every README that has them, and follow the conventions (preludes right before a block, declarations only)', () => {
    const files = new Set(blocks.map((block) => block.file));
    for (const file of ['README.md', 'packages/core/README.md', 'packages/client/README.md', 'packages/express/README.md']) {
      expect(files, `${file} has TypeScript blocks`).toContain(file);
    }
    expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([]);
  });

  it('compile with no error outside the blocks (the project and its options are sound)', () => {
    expect(results.global).toEqual([]);
  });

  it.each(compiled.map((block) => [label(block), block] as const))('%s compiles, strict, against the built packages', (_, block) => {
    expect(results.byBlock.get(block)).toEqual([]);
  });

  for (const block of blocks.filter((candidate) => candidate.notCompiled !== null)) {
    it.skip(`${label(block)}: not compiled (${block.notCompiled})`, () => {});
  }
});

describe('the extraction of blocks', () => {
  const markdown = [
    '# T', // 1
    '```ts', // 2
    "import { a } from 'x';", // 3
    '```', // 4
    "<!-- prelude: the app's users", // 5
    'declare const users: Map<string, string>;', // 6
    '-->', // 7
    '```typescript', // 8
    'users.get(1);', // 9
    '```', // 10
    '```sh', // 11
    'npm test', // 12
    '```', // 13
    '```ts', // 14
    '// not compiled: a sketch with elisions', // 15
    '```', // 16
  ].join('\n');

  it('numbers the ts and typescript blocks of a file, with their Markdown lines and preludes, and skips other languages', () => {
    const { blocks: found, problems: none } = extractBlocks('T.md', markdown);
    expect(none).toEqual([]);
    expect(found.map(({ index, line, prelude, preludeLine, notCompiled }) => ({ index, line, prelude, preludeLine, notCompiled }))).toEqual([
      { index: 1, line: 3, prelude: '', preludeLine: 0, notCompiled: null },
      { index: 2, line: 9, prelude: 'declare const users: Map<string, string>;', preludeLine: 6, notCompiled: null },
      { index: 3, line: 15, prelude: '', preludeLine: 0, notCompiled: 'a sketch with elisions' },
    ]);
  });

  it('reports a compiler error at its Markdown line, in the block or in its prelude', () => {
    const { blocks: found } = extractBlocks('T.md', `${markdown}\n<!-- prelude: a number\ndeclare const n: number; -->\n\`\`\`ts\nconst s: string = n;\n\`\`\``);
    const dir = mkdtempSync(path.join(tmpdir(), 'sessionguard-readme-unit-'));
    try {
      const { byBlock } = compileBlocks(dir, [found[1]!, found[3]!], (file, text) => writeFileSync(file, text));
      expect(byBlock.get(found[1]!)).toEqual([expect.stringMatching(/^T\.md:9: TS2345: Argument of type 'number' is not assignable/)]);
      expect(byBlock.get(found[3]!)).toEqual([expect.stringMatching(/^T\.md:20: TS2322: Type 'number' is not assignable to type 'string'/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a prelude that imports or runs code, and one that precedes no TypeScript block', () => {
    const bad = [
      '<!-- prelude: an import', // 1
      'import { x } from "y"; -->', // 2
      '```ts',
      'x;',
      '```',
      '<!-- prelude: code', // 6
      'const n = 1;', // 7
      '-->',
      'Some text.',
      '<!-- prelude: before a shell block', // 10
      'declare const m: 1; -->', // 11
      '```sh',
      '```',
    ];
    expect(extractBlocks('B.md', bad.join('\n')).problems).toEqual([
      { file: 'B.md', line: 2, message: expect.stringMatching(/^a prelude holds only declarations .*import \{ x \}/) },
      { file: 'B.md', line: 7, message: 'a prelude must come right before a ```ts block' },
      { file: 'B.md', line: 11, message: 'a prelude must come right before a ```ts block, not ```sh' },
    ]);
  });
});
