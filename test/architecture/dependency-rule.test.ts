/**
 * The boundary between card and terminal (.dependency-cruiser.cjs): the rule passes on sscard's own
 * sources and fails — naming the rule — on a tree where terminal code imports card code.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const DEPCRUISE = join(ROOT, 'node_modules/.bin/depcruise');

function cruise(cwd: string, ...extra: string[]): { status: number | null; out: string } {
  const r = spawnSync(DEPCRUISE, ['src', '--config', '.dependency-cruiser.cjs', ...extra], { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('dependency rule: terminal code never imports card code', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A small tree with the project's rule and the given files. */
  function tree(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'sscard-depcruise-'));
    dirs.push(dir);
    copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  it("holds for sscard's own sources", () => {
    const r = cruise(ROOT);
    expect(r.out).toMatch(/no dependency violations found/);
    expect(r.status).toBe(0);
  });

  it('fails when a kernel imports the card', () => {
    const dir = tree({
      'src/card/apps/ssse/files.ts': "export const SSSE_AID = '7378312E73682EC9E7BBE1B1A3D5CF';\n",
      'src/terminal/kernels/reader.ts': "import { SSSE_AID } from '../../card/apps/ssse/files.js';\nexport const aid = SSSE_AID;\n",
    });
    const r = cruise(dir);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/terminal-not-to-card: src\/terminal\/kernels\/reader\.ts → src\/card\/apps\/ssse\/files\.ts/);
  });

  it('fails when QA code imports the card, even for a type', () => {
    const dir = tree({
      'src/card/runtime/types.ts': 'export interface CardImage { version: 1 }\n',
      'src/qa/suite.ts': "import type { CardImage } from '../card/runtime/types.js';\nexport type T = CardImage;\n",
    });
    const r = cruise(dir);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/terminal-not-to-card: src\/qa\/suite\.ts → src\/card\/runtime\/types\.ts/);
  });

  it("lets the in-process reader use the card's public entry, and nothing deeper", () => {
    const ok = tree({
      'src/card/index.ts': 'export interface SimulatedCard { powered: boolean }\n',
      'src/terminal/readers/simulated.ts': "import type { SimulatedCard } from '../../card/index.js';\nexport type C = SimulatedCard;\n",
    });
    expect(cruise(ok).status).toBe(0);
    const deep = tree({
      'src/card/runtime/card.ts': 'export class Card {}\n',
      'src/terminal/readers/simulated.ts': "import { Card } from '../../card/runtime/card.js';\nexport const c = Card;\n",
    });
    const r = cruise(deep);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/in-process-reader-only-public-card-entry/);
  });

  it('keeps src/spec neutral', () => {
    const dir = tree({
      'src/card/apps/pboc/state.ts': 'export const X = 1;\n',
      'src/spec/pboc.ts': "import { X } from '../card/apps/pboc/state.js';\nexport const Y = X;\n",
    });
    const r = cruise(dir);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/spec-is-neutral/);
  });
});
