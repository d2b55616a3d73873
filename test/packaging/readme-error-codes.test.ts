/**
 * The README's endpoint section tells the truth about errors: its table of
 * error codes holds exactly the codes of ERROR_CODES, each with its HTTP
 * status, and every code it names anywhere in the section exists.
 */
import { ERROR_CODES } from '@sessionguard/core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './built-packages.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

/** The text from the heading `### Endpoints` to the next heading of level 1 to 3. */
function endpointsSection(): string {
  const start = readme.indexOf('\n### Endpoints\n');
  expect(start, 'README.md has a "### Endpoints" section').toBeGreaterThan(-1);
  const rest = readme.slice(start + 1);
  const next = rest.slice(1).search(/\n#{1,3} /);
  return next === -1 ? rest : rest.slice(0, next + 1);
}

describe('the README on error codes', () => {
  it('lists every code of ERROR_CODES once, with its HTTP status, in the "Error codes" table', () => {
    const section = endpointsSection();
    const table = section.slice(section.indexOf('#### Error codes'));
    const rows = [...table.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map(([, code, status]) => [code, Number(status)] as const);
    expect(rows.length, 'rows of the table').toBe(new Set(rows.map(([code]) => code)).size);
    expect(Object.fromEntries(rows)).toEqual(ERROR_CODES);
  });

  it('names no error code that does not exist (every `snake_case` word of the section is one)', () => {
    const named = new Set([...endpointsSection().matchAll(/`([a-z]+(?:_[a-z]+)+)`/g)].map(([, word]) => word!));
    expect([...named].filter((word) => !(word in ERROR_CODES))).toEqual([]);
  });
});
