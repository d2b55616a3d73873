/**
 * The TypeScript blocks of the READMEs, taken out of their Markdown and
 * compiled as an app would compile them: each block one ES module of a
 * project that resolves `@sessionguard/*` to the built packages' types.
 *
 * Conventions, so that a block stays honest:
 * - A block is a complete program: it imports what it uses.
 * - Names that belong to the reader's app (a user store, a CSP nonce) may be
 *   declared in a prelude, an HTML comment right before the block: its first
 *   line `<!-- prelude: <what it declares>`, then the declarations, then
 *   `-->` (e.g. `declare const users: UserStore;`). A prelude holds only
 *   declarations (`declare ...`, `interface`, `type`): no imports and no code,
 *   so it cannot hide a missing import or run anything the reader does not see.
 * - A block that cannot compile says why in its first line, where the reader
 *   sees it: `// not compiled: <reason>`.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One fenced TypeScript block of a Markdown file. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository. */
  file: string;
  /** 1-based among the file's TypeScript blocks. */
  index: number;
  /** 1-based line of the block's first code line in the Markdown file. */
  line: number;
  code: string;
  /** The declarations of its prelude comment, or ''. */
  prelude: string;
  /** 1-based line of the prelude's first declaration line, or 0. */
  preludeLine: number;
  /** Why it is not compiled (its `// not compiled:` first line), or null. */
  notCompiled: string | null;
}

/** What the extraction found wrong with a file's conventions (an orphan or unsafe prelude). */
export interface ConventionProblem {
  file: string;
  line: number;
  message: string;
}

const FENCE_OPEN = /^```(\S*)/;
const TS_LANGUAGES = new Set(['ts', 'typescript']);
const PRELUDE_START = /^<!--\s*prelude\b:?/;
const NOT_COMPILED = /^\/\/\s*not compiled:\s*(\S.*)$/;

/** The TypeScript blocks of one Markdown text, and any prelude that precedes no block. */
export function extractBlocks(file: string, markdown: string): { blocks: CodeBlock[]; problems: ConventionProblem[] } {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  const problems: ConventionProblem[] = [];
  let pending: { text: string; line: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (PRELUDE_START.test(line)) {
      if (pending) problems.push({ file, line: pending.line, message: 'a prelude must come right before a ```ts block' });
      // The opening line says what the prelude declares; the declarations follow, up to the line with `-->`.
      const body: string[] = [];
      const firstLine = i + 2;
      if (!line.includes('-->')) {
        while (i + 1 < lines.length) {
          const next = lines[++i]!;
          const end = next.indexOf('-->');
          body.push(end === -1 ? next : next.slice(0, end));
          if (end !== -1) break;
        }
      }
      pending = { text: body.join('\n').trimEnd(), line: firstLine };
      continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (!open) {
      if (pending && line.trim() !== '') {
        problems.push({ file, line: pending.line, message: 'a prelude must come right before a ```ts block' });
        pending = null;
      }
      continue;
    }
    const language = open[1]!.toLowerCase();
    const code: string[] = [];
    const codeLine = i + 2;
    while (i + 1 < lines.length && !/^```\s*$/.test(lines[i + 1]!)) code.push(lines[++i]!);
    i++; // the closing fence
    if (!TS_LANGUAGES.has(language)) {
      if (pending) problems.push({ file, line: pending.line, message: `a prelude must come right before a \`\`\`ts block, not \`\`\`${language}` });
      pending = null;
      continue;
    }
    const reason = NOT_COMPILED.exec(code[0] ?? '')?.[1]?.trim() ?? null;
    blocks.push({
      file,
      index: blocks.length + 1,
      line: codeLine,
      code: code.join('\n'),
      prelude: pending?.text ?? '',
      preludeLine: pending?.line ?? 0,
      notCompiled: reason,
    });
    if (pending) problems.push(...preludeProblems(file, pending.text, pending.line));
    pending = null;
  }
  if (pending) problems.push({ file, line: pending.line, message: 'a prelude must come right before a ```ts block' });
  return { blocks, problems };
}

/** A prelude may only declare: every statement `declare ...`, an interface or a type alias. */
function preludeProblems(file: string, text: string, firstLine: number): ConventionProblem[] {
  const source = ts.createSourceFile('prelude.ts', text, ts.ScriptTarget.ES2022, true);
  return source.statements.flatMap((statement) => {
    const declares = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
    if (declares || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) return [];
    const { line } = source.getLineAndCharacterOfPosition(statement.getStart());
    return [{ file, line: firstLine + line, message: `a prelude holds only declarations (declare, interface, type), not \`${statement.getText().slice(0, 60)}\`` }];
  });
}

/** README.md, packages/*\/README.md, examples/*\/README.md and demo/README.md, those that exist. */
export function readmeFiles(root: string): string[] {
  const inside = (dir: string) =>
    existsSync(path.join(root, dir))
      ? readdirSync(path.join(root, dir), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => path.posix.join(dir, entry.name, 'README.md'))
          .sort()
      : [];
  return ['README.md', ...inside('packages'), ...inside('examples'), 'demo/README.md'].filter((file) => existsSync(path.join(root, file)));
}

/** The compiler options of the check: strict, an ES module of a Node 20 app (`"type": "module"`), with the DOM for the client's blocks. */
export const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: ['node'],
  skipLibCheck: true,
};

/** The module text of a block: its prelude, then its code; `export {}` makes it a module even without imports. */
export function moduleText(block: CodeBlock): string {
  return `${block.prelude === '' ? '' : `${block.prelude}\n`}${block.code}\nexport {};\n`;
}

/** Where in the Markdown a line of the block's module is. */
export function markdownLine(block: CodeBlock, moduleLine: number): number {
  const preludeLines = block.prelude === '' ? 0 : block.prelude.split('\n').length;
  return moduleLine < preludeLines ? block.preludeLine + moduleLine : block.line + moduleLine - preludeLines;
}

/**
 * Compiles every block as a module file `block-<n>.ts` of `projectDir` (a
 * directory whose node_modules resolve the packages); returns each block's
 * errors as `<file>:<line>: TS<code>: <message>`, and the errors of no file.
 */
export function compileBlocks(projectDir: string, blocks: readonly CodeBlock[], write: (file: string, text: string) => void) {
  const files = blocks.map((block, n) => {
    const name = path.join(projectDir, `block-${n + 1}.ts`);
    write(name, moduleText(block));
    return name;
  });
  const program = ts.createProgram(files, COMPILER_OPTIONS);
  const byBlock = new Map<CodeBlock, string[]>(blocks.map((block) => [block, []]));
  const global: string[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    const n = diagnostic.file ? files.indexOf(diagnostic.file.fileName) : -1;
    const block = blocks[n];
    if (!block || !diagnostic.file || diagnostic.start === undefined) {
      global.push(diagnostic.file ? `${diagnostic.file.fileName}: ${message}` : message);
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    byBlock.get(block)!.push(`${block.file}:${markdownLine(block, line)}: ${message}`);
  }
  return { byBlock, global };
}

/** Reads and extracts every README's blocks. */
export function readmeBlocks(root: string) {
  const all = readmeFiles(root).map((file) => extractBlocks(file, readFileSync(path.join(root, file), 'utf8')));
  return { blocks: all.flatMap((found) => found.blocks), problems: all.flatMap((found) => found.problems) };
}
