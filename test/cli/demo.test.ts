// `sscard demo` end to end (the README's first command): every step runs and reports its result.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = new URL('../../bin/sscard.js', import.meta.url).pathname;

describe('sscard demo', () => {
  it('personalises a card and walks it through the SSSE kernel (card check, iReadCardBas, DF04, debit, PKI) and the contactless PPSE', () => {
    const out = execFileSync('node', [bin, 'demo'], { encoding: 'utf8' });
    expect(out).toMatch(/> 00A404000F7378312E73682EC9E7BBE1B1A3D5CF/);
    expect(out).toMatch(/< 6F1C840F7378312E73682EC9E7BBE1B1A3D5CFA50988011E9F0C03860103 {2}9000 success/);
    expect(out).toMatch(/card authentic\s+yes/);
    expect(out).toMatch(/PIN\s+verified/);
    expect(out).toMatch(/iReadCardBas\s+310000\|\d{17}[\dX]\|[0-9A-Z]{9}\|310000D156000005[0-9A-F]{16}\|/);
    expect(out).toMatch(/debited\s+1\.00 CNY, balance 1000\.00 → 999\.00/);
    expect(out).toMatch(/signature\s+verified with the certificate's public key/);
    expect(out).toMatch(/certificate chain\s+valid: /);
    expect(out).toMatch(/PPSE lists\s+A000000333010101/);
  });
  it('is repeatable with a seed, refuses to overwrite --out, and reports bad options clearly', () => {
    const a = execFileSync('node', [bin, 'demo', '--no-apdus', '--seed', '5'], { encoding: 'utf8' });
    const b = execFileSync('node', [bin, 'demo', '--no-apdus', '--seed', '5'], { encoding: 'utf8' });
    expect(a.split('\n').slice(0, 12)).toEqual(b.split('\n').slice(0, 12));
    const file = join(mkdtempSync(join(tmpdir(), 'sscard-demo-')), 'card.json');
    execFileSync('node', [bin, 'demo', '--no-apdus', '--out', file]);
    const again = spawnSync('node', [bin, 'demo', '--no-apdus', '--out', file], { encoding: 'utf8' });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists: choose another --out/);
    const bad = spawnSync('node', [bin, 'demo', '--seed', 'x'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('sscard: --seed must be an integer 0..4294967295, got "x"\n');
  });
});
