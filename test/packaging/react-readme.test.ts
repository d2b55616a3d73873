/**
 * The React examples compile (like readme-blocks.test.ts does for the ```ts
 * blocks of every README): each ```tsx block of packages/react/README.md and
 * of README.md is a module of an ES module app that installed
 * the built packages, compiled strict with `jsx: react-jsx` against React's
 * own types. Runs on the build (`npm run build`).
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, repoRoot } from './built-packages.js';
import { COMPILER_OPTIONS } from './readme-blocks.js';

const READMES = ['packages/react/README.md', 'README.md'];

interface TsxBlock {
  file: string;
  line: number;
  code: string;
}

/** The ```tsx blocks of a README, with the Markdown line of each one's first code line. */
function tsxBlocks(file: string): TsxBlock[] {
  const markdown = readFileSync(path.join(repoRoot, file), 'utf8');
  const blocks: TsxBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```tsx\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    while (i + 1 < lines.length && !/^```\s*$/.test(lines[i + 1]!)) i++;
    blocks.push({ file, line: start + 1, code: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return blocks;
}

const blocks = READMES.flatMap(tsxBlocks);
let project: string;
const errors = new Map<number, string[]>();

beforeAll(() => {
  assertBuilt();
  project = mkdtempSync(path.join(tmpdir(), 'sessionguard-react-readme-'));
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'react-readme', private: true, type: 'module' }));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  const files = blocks.map((block, n) => {
    const file = path.join(project, `block-${n + 1}.tsx`);
    writeFileSync(file, `${block.code}\nexport {};\n`);
    errors.set(n, []);
    return file;
  });
  const program = ts.createProgram(files, { ...COMPILER_OPTIONS, jsx: ts.JsxEmit.ReactJSX });
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const n = diagnostic.file ? files.indexOf(diagnostic.file.fileName) : -1;
    const where = n >= 0 && diagnostic.start !== undefined ? blocks[n]!.line + diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start).line : 0;
    const message = `${n >= 0 ? blocks[n]!.file : '(project)'}:${where}: TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    if (n >= 0) errors.get(n)!.push(message);
    else errors.set(-1, [...(errors.get(-1) ?? []), message]);
  }
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the ```tsx examples of the READMEs', () => {
  it('are there, and the project compiles with no error outside them', () => {
    expect(blocks.filter((block) => block.file === READMES[0]).length).toBeGreaterThanOrEqual(3);
    expect(blocks.filter((block) => block.file === READMES[1]).length).toBeGreaterThanOrEqual(1);
    expect(errors.get(-1) ?? []).toEqual([]);
  });

  it.each(blocks.map((block, n) => [`${block.file}:${block.line}`, n] as const))('the block at %s compiles, strict, against the built packages', (_, n) => {
    expect(errors.get(n)).toEqual([]);
  });
});
