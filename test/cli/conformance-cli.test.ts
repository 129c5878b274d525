/// <reference lib="dom" />
// `sscard conformance` as a user runs it (the real binary): usage errors exit 2 in one line, a failed
// case exits 1, the summary table, --json, --list, the card image never changed; the JUnit XML validates
// against both published schemas (xmllint); the HTML report renders in headless Chromium with no console
// error, its screenshot is not blank and shows the summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sscard, REPO } from '../e2e/helpers.js';
import { digest, profileFiles } from '../qa/conformance/fixtures.js';
import { casesOf } from '../../src/qa/conformance/catalogue.js';
import { SUITES } from '../../src/qa/conformance/types.js';

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasXmllint) console.warn('[conformance-cli] skipping the schema checks: xmllint not found (Debian: apt-get install libxml2-utils)');
if (!hasChromium) console.warn('[conformance-cli] skipping the HTML rendering: /usr/bin/chromium not found (Debian: apt-get install chromium)');

let files: ReturnType<typeof profileFiles>;
beforeAll(() => {
  files = profileFiles('shanghai', 21);
});
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));

describe('sscard conformance: command line', () => {
  it.each([
    [['conformance'], /say which card to test: --card <file> or --reader <name\|index>/],
    [['conformance', '--card', 'x.json', '--suite', 'emv'], /--suite: unknown suite "emv"; suites: ssse, psam, pki, pboc, qpboc, all/],
    [['conformance', '--card', 'x.json', '--fault', 'sw:ZZ'], /--fault: fault "sw:ZZ": sw: expected 4 hex digits/],
    [['conformance', '--reader', '0', '--fault', 'powercut:1'], /--fault powercut:at=1,stage=commit acts inside the card: with --reader, serve the card with it \(sscard serve --card … --fault powercut:at=1,stage=commit\)/],
    [['conformance', '--card', 'x.json', '--pin', '12'], /--pin: a PIN is 4 to 12 digits/],
    [['conformance', '--card', 'x.json', '--case', 'nothing.like.this'], /--case nothing.like.this: no case of the suites/],
    [['conformance', '--card', 'a.json', '--reader', 'b'], /cannot be used with option/],
  ])('%j exits 2 with one line', async (args, message) => {
    const r = await sscard(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a missing card file exits 1 naming it', async () => {
    const r = await sscard(['conformance', '--card', join(files.dir, 'nope.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/card .*nope\.json: no such file/);
  });

  it('--list prints every case with the sections it checks; --json gives the same list', async () => {
    const text = await sscard(['conformance', '--list', '--suite', 'psam']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^psam \(24\): with the PSAM/);
    expect(text.stdout).toMatch(/psam\.card-block \[blocks\] \(needs PSAM\)\n {4}CARD BLOCK .*\n {4}checks: LD\/T 32\.5-2015 §7\.2; DOMAIN\.md §1\.3/);
    const json = await sscard(['conformance', '--list', '--json']);
    const list = JSON.parse(json.stdout) as { id: string; refs: string[] }[];
    expect(list.map((c) => c.id)).toEqual(casesOf([...SUITES]).map((c) => c.id));
    expect(list.every((c) => c.refs.length > 0)).toBe(true);
  });

  it('a run that passes exits 0 and prints the summary table; the card image is not changed', async () => {
    const before = digest(files.card);
    const r = await sscard(['conformance', '--card', files.card, '--psam', files.psam, '--suite', 'ssse,psam', '--destructive'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sscard conformance — .*card\.json \(in-process copy, contact\), ATR 3B/);
    expect(r.stdout).toMatch(/│ ssse +│ 78 +│ 76 +│ 0 +│ 0 +│ 2 +│/);
    expect(r.stdout).toMatch(/│ psam +│ 24 +│ 24 +│ 0 +│ 0 +│ 0 +│/);
    expect(r.stdout).toMatch(/Skipped:[\s\S]*needs a T=0 card; this one speaks T=1/);
    // progress: plain lines on stderr when it is not a terminal
    expect(r.stderr).toMatch(/^\[ +1\/102\] passed  ssse\.atr\.structure$/m);
    expect(digest(files.card)).toBe(before);
  });

  it('a failed case exits 1 with one line after the report; --json carries every result', async () => {
    // GET CHALLENGE answered 6985 by a fault: the one PBOC case that sends it fails, naming the status word
    const r = await sscard(['conformance', '--card', files.card, '--psam', files.psam, '--suite', 'pboc', '--json', '--fault', 'sw:6985,ins=84'], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('sscard: 1 of 39 cases did not pass (1 failed, 0 errors)');
    const report = JSON.parse(r.stdout);
    expect(report.counts).toMatchObject({ total: 39, passed: 38, failed: 1 });
    expect(report.results.find((x: { id: string }) => x.id === 'pboc.get-challenge')).toMatchObject({ outcome: 'failed', message: expect.stringMatching(/^step 2 \(GET CHALLENGE\): expected SW 9000, the card answered 6985 conditions of use not satisfied/) });
    expect(report.results.find((x: { id: string }) => x.id === 'pboc.oda.dda')).toMatchObject({ outcome: 'passed', suite: 'pboc', refs: expect.arrayContaining(['EMV 4.3 Book 3 §6.5.9']) });
  });
});

describe('sscard conformance: reports', () => {
  let out: string;
  beforeAll(async () => {
    out = join(files.dir, 'out');
    const r = await sscard(['conformance', '--card', files.card, '--psam', files.psam, '--junit', join(out, 'report.xml'), '--html', join(out, 'report.html'), '--fault', 'sw:6A82,ins=B2'], { timeoutMs: 180_000 });
    expect(r.code).toBe(1);
  }, 200_000);

  it.skipIf(!hasXmllint)('the JUnit XML validates against the Jenkins junit-10.xsd and the Ant JUnit.xsd', () => {
    for (const xsd of ['junit-10.xsd', 'JUnit-windyroad.xsd']) {
      const v = spawnSync('xmllint', ['--noout', '--schema', join(REPO, 'fixtures/schemas', xsd), join(out, 'report.xml')], { encoding: 'utf8' });
      expect(v.status, `${xsd}: ${v.stderr}`).toBe(0);
    }
  });

  it('the JUnit XML has the testsuites/testsuite/testcase/failure structure, one suite per conformance suite', () => {
    const xml = readFileSync(join(out, 'report.xml'), 'utf8');
    expect(xml.match(/<testsuite /g)).toHaveLength(SUITES.length);
    expect(xml).toMatch(/<testcase name="ssse\.ef05\.card-number" classname="sscard\.conformance\.ssse" time="[\d.]+">\s*<failure message="step 2 \(READ RECORD EF05 record 7\): expected SW 9000, the card answered 6A82 file or application not found \(未找到文件或应用\)" type="ConformanceFailure">/);
    expect(xml).toMatch(/<property name="faults" value="sw:sw=6A82,ins=B2"\/>/);
    expect(xml).toMatch(/<skipped message="needs a T=0 card; this one speaks T=1"\/>/);
  });

  it.skipIf(!hasChromium)('the HTML report renders in headless Chromium without console errors; the screenshot shows the summary', async () => {
    const { chromium } = await import('playwright-core');
    const userDataDir = join(files.dir, 'chromium-profile');
    const browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1200, height: 900 },
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${join(out, 'report.html')}`);
      expect(await page.textContent('#summary')).toMatch(/\d+total\d+passed\d+failed0errors\d+skipped/);
      expect(await page.textContent('#suites')).toMatch(/ssse/);
      // the filter: "failed" hides every passed case
      await page.click('button[data-show="failed"]');
      const visible = await page.$$eval('details.case', (ds) => ds.filter((d) => (d as HTMLElement).style.display !== 'none').map((d) => d.getAttribute('data-outcome')));
      expect(new Set(visible)).toEqual(new Set(['failed']));
      await page.click('button[data-show="all"]');
      const shot = await page.screenshot({ path: join(out, 'report.png') });
      const tiles = await page.locator('#summary').screenshot();
      expect(problems).toEqual([]);
      expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
      // pixels, measured in the browser: the page is not blank, and the summary tiles carry their colours
      const stats = async (png: Buffer) => {
        const probe = await browser.newPage();
        await probe.setContent('<canvas id="c"></canvas>');
        const result = await probe.evaluate(async (b64) => {
          const img = new Image();
          img.src = `data:image/png;base64,${b64}`;
          await img.decode();
          const c = document.getElementById('c') as HTMLCanvasElement;
          c.width = img.width;
          c.height = img.height;
          const ctx = c.getContext('2d')!;
          ctx.drawImage(img, 0, 0);
          const d = ctx.getImageData(0, 0, img.width, img.height).data;
          let nonWhite = 0;
          let green = 0;
          let red = 0;
          const colours = new Set<number>();
          for (let i = 0; i < d.length; i += 4) {
            const [r, g, b] = [d[i]!, d[i + 1]!, d[i + 2]!];
            if (r < 245 || g < 245 || b < 245) nonWhite++;
            if (Math.abs(r - 0x1a) < 12 && Math.abs(g - 0x7f) < 12 && Math.abs(b - 0x37) < 12) green++;
            if (Math.abs(r - 0xcf) < 12 && Math.abs(g - 0x22) < 12 && Math.abs(b - 0x2e) < 12) red++;
            colours.add((r << 16) | (g << 8) | b);
          }
          return { pixels: d.length / 4, nonWhite, green, red, colours: colours.size };
        }, png.toString('base64'));
        await probe.close();
        return result;
      };
      const page1 = await stats(shot);
      expect(page1.nonWhite / page1.pixels).toBeGreaterThan(0.05);
      expect(page1.colours).toBeGreaterThan(50);
      const summary = await stats(tiles);
      expect(summary.green).toBeGreaterThan(500); // the "passed" tile
      expect(summary.red).toBeGreaterThan(500); // the "failed" tile
    } finally {
      await browser.close();
    }
  }, 60_000);
});
