// `sscard trace --html`: the HTML view in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core). The page must load with no console error and no network request, show one timeline
// mark and one entry per exchange, fold its TLV trees open and shut, filter — and its screenshot must be
// a picture (not blank) with the timeline's colours where the timeline is. The trace is a real one,
// written by `sscard apdu --trace` on a personalised card.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.js';

const CHROMIUM = process.env.SSCARD_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[html] skipping the browser test: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`);


const dir = mkdtempSync(join(tmpdir(), 'sscard-html-'));
const COMMANDS = [
  '00A404000E325041592E5359532E4444463031', // PPSE
  '00A4040008A000000333010101', // PBOC debit
  // GPO with the PDOL data the card asks for: TTQ, amount 1.00, other, country, TVR, currency, date, type, UN, DF60, DF69
  '80A80000258323368000000000000001000000000000000156000000000001562612010012345678000100',
  '00B2010C00',
  '80CA9F7900',
  '00B2990C00', // no such record: an error status word (red in the timeline)
];

describe.skipIf(!hasChromium)('the HTML trace in headless Chromium', () => {
  let context: import('playwright-core').BrowserContext;
  const html = join(dir, 'trace.html');
  const shot = join(dir, 'trace.png');

  beforeAll(async () => {
    const card = join(dir, 'card.json');
    const trace = join(dir, 'trace.jsonl');
    expect((await runCli('card', 'new', '--profile', 'shanghai', '--out', card)).code).toBe(0);
    const r = await runCli('apdu', '--card', card, '--interface', 'contactless', '--trace', trace, ...COMMANDS);
    expect(r.code, r.err).toBe(0);
    const h = await runCli('trace', trace, '--html', html);
    expect(h.code, h.err).toBe(0);
    expect(h.out).toBe(`${html}: ${COMMANDS.length} entries\n`);
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
  });

  it('is one self-contained file: no external resource, no network', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).not.toMatch(/<link\b|<script[^>]+src=|<img\b|@import|url\(/i);
    expect(text).not.toMatch(/https?:\/\//);
  });

  it('loads with no console error, no request, one timeline mark and one entry per exchange; folds and filters', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(html).href);
    await page.waitForLoadState('load');

    expect(await page.locator('#timeline .mark').count()).toBe(COMMANDS.length);
    expect(await page.locator('details.x').count()).toBe(COMMANDS.length);
    expect(await page.locator('#timeline .mark.ok').count()).toBe(5);
    expect(await page.locator('#timeline .mark.error').count()).toBe(1);
    const titles = await page.locator('details.x > summary .title').allTextContents();
    expect(titles.map((t) => t.split('  ')[0])).toEqual(['SELECT 选择文件', 'SELECT 选择文件', 'GET PROCESSING OPTIONS 获取处理选项', 'READ RECORD 读记录', 'GET DATA 取数据', 'READ RECORD 读记录']);
    await expect(page.locator('h1').textContent()).resolves.toContain('sscard trace');

    // entries start folded; a click on a timeline mark opens its entry, with the TLV tree inside
    const gpo = page.locator('#e3');
    expect(await gpo.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);
    await page.locator('#timeline .mark[data-index="3"]').click();
    expect(await gpo.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(true);
    await expect(gpo.locator('ul.tlv').first().isVisible()).resolves.toBe(true);
    const tags = await gpo.locator('.tag').allTextContents();
    expect(tags).toEqual(expect.arrayContaining(['83', '9F37', '77', '82', '9F36', '9F26', '9F10']));
    await expect(gpo.textContent()).resolves.toContain('应用交易计数器');
    // a nested tree folds shut
    const template = gpo.locator('ul.tlv details').first();
    await template.locator('> summary').click();
    expect(await template.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(false);

    await page.locator('#expand').click();
    expect(await page.locator('details.x[open]').count()).toBe(COMMANDS.length);
    await page.locator('#collapse').click();
    expect(await page.locator('details.x[open]').count()).toBe(0);
    await page.locator('#filter').fill('9F79');
    expect(await page.locator('details.x:not(.hidden)').count()).toBe(1);
    await page.locator('#filter').fill('');
    expect(await page.locator('details.x:not(.hidden)').count()).toBe(COMMANDS.length);

    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await page.close();
  });

  it('its screenshot is a picture with the timeline in its colours', async () => {
    const page = await context.newPage();
    await page.goto(pathToFileURL(html).href);
    await page.locator('#timeline .mark[data-index="3"]').click(); // opens the GPO entry (and scrolls to it)
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    const box = (await page.locator('#timeline').boundingBox())!;
    const png = await page.screenshot({ path: shot });
    writeFileSync(shot, png);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    // Decode the PNG in a blank page (the browser's own decoder) and look at its pixels.
    const blank = await context.newPage();
    const stats = await blank.evaluate(
      async ({ b64, box }) => {
        // runs in the browser (the project's TypeScript has no DOM library: the page's globals, untyped)
        const w = globalThis as any; // eslint-disable-line @typescript-eslint/no-explicit-any
        const img = new w.Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = w.document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const g = canvas.getContext('2d');
        g.drawImage(img, 0, 0);
        const all: Uint8ClampedArray = g.getImageData(0, 0, img.width, img.height).data;
        const colours = new Set<number>();
        let background = 0;
        for (let i = 0; i < all.length; i += 4) {
          colours.add((all[i]! << 16) | (all[i + 1]! << 8) | all[i + 2]!);
          if (all[i] === 0xfa && all[i + 1] === 0xfa && all[i + 2] === 0xfa) background++;
        }
        const strip: Uint8ClampedArray = g.getImageData(Math.round(box.x), Math.round(box.y + box.height / 2), Math.round(box.width), 1).data;
        const near = (r: number, gg: number, b: number) => {
          for (let i = 0; i < strip.length; i += 4) if (Math.abs(strip[i]! - r) + Math.abs(strip[i + 1]! - gg) + Math.abs(strip[i + 2]! - b) < 40) return true;
          return false;
        };
        return { width: img.width, height: img.height, colours: colours.size, backgroundShare: background / (all.length / 4), green: near(0x2e, 0x7d, 0x32), red: near(0xc6, 0x28, 0x28) };
      },
      { b64: png.toString('base64'), box },
    );
    await blank.close();
    await page.close();
    expect(stats.width).toBe(1280);
    expect(stats.height).toBe(900);
    expect(stats.colours).toBeGreaterThan(50); // text, borders, colours: not a blank page
    expect(stats.backgroundShare).toBeLessThan(0.95); // something is drawn on the page's background
    expect(stats.backgroundShare).toBeGreaterThan(0.05); // … and it is a page, not one colour
    expect(stats.green, 'a green (9000) mark in the timeline').toBe(true);
    expect(stats.red, 'a red (error status word) mark in the timeline').toBe(true);
  });
});
