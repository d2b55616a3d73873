/**
 * A small scanner of TypeScript sources for equality comparisons that involve
 * secret-derived values (by name), for the timing-safety test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Comparison {
  file: string;
  line: number;
  text: string;
}

const SECRETISH = /(hash|hmac|\bmac\b|token|secret|signature|digest|password|csrf|publicid|sessionid|\bsid\b)/i;
const COMPARISON = /([\w$.\[\]()'"`?]+)\s*(===|!==|==|!=)\s*([\w$.\[\]()'"`?]+)/g;
const HARMLESS_OPERAND = /^(null|undefined|true|false|-?\d+(\.\d+)?|'[^']*'|"[^"]*"|`[^`]*`|0|-1)$/;

/** Every `.ts` file under `dir`, tests and test helpers left out. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !/\.test\.ts$|test-app\.ts$|\.contract\.ts$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

/**
 * Equality comparisons where an operand is named like a secret-derived value
 * and the other operand is not a literal (null, a number, a string constant),
 * and that are not about `typeof` or `.length`.
 */
export function secretComparisons(files: string[], root: string): Comparison[] {
  const found: Comparison[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/^\s*\*/.test(code)) return;
        for (const match of code.matchAll(COMPARISON)) {
          const left = (match[1] ?? '').replace(/^[(!]+|[)?]+$/g, '');
          const right = (match[3] ?? '').replace(/^[(!]+|[)?]+$/g, '');
          if (!SECRETISH.test(left) && !SECRETISH.test(right)) continue;
          if (HARMLESS_OPERAND.test(left) || HARMLESS_OPERAND.test(right)) continue;
          if (/typeof|\.length$|\.size$/.test(left) || /typeof|\.length$|\.size$/.test(right)) continue;
          found.push({ file: path.relative(root, file), line: index + 1, text: match[0] });
        }
      });
  }
  return found;
}
