/**
 * A session that runs every state-changing command of a personalised shanghai card once or more
 * (issue 8, "Tearing"), and the power cuts during its saves: in this process (a save hook throws) or in
 * a child process that is SIGKILLed at the write point (cut-power.ts). Used by tearing.test.ts (every
 * save, every write point at least once) and fuzz/tearing.fuzz.ts (every save × every write point). The MACs and cryptograms are computed here from the key values of the image
 * with OpenSSL's SM4 (node:crypto) and the test issuer (test/card/pboc/helpers/terminal.ts), not by the
 * card's code.
 *
 * | step | command | state it changes |
 * |---|---|---|
 * | 1 | VERIFY wrong, VERIFY right | PIN_SSSE tries 3 → 2 → 3 |
 * | 2 | CHANGE PIN, RELOAD PIN (MAC) | PIN value |
 * | 3 | VERIFY wrong ×3, PIN UNBLOCK (MAC) | tries → 0 → 3 |
 * | 4 | EXTERNAL AUTHENTICATE wrong, right | UK_SSSE tries |
 * | 5 | UPDATE RECORD EF05, UPDATE BINARY EF07 | file contents |
 * | 6 | medical INIT + DEBIT | DF04 balance, EF08/EF15/EF06, sequence |
 * | 7 | APPLICATION BLOCK / UNBLOCK of DF01 (MAC) | DF01 life cycle |
 * | 8 | PKI VERIFY wrong, right, PSO CDS | PIN_PKI tries, signature counter |
 * | 9 | PBOC GPO, VERIFY wrong, GAC1 ARQC, script PUT DATA 9F79, GAC2 | ATC, PIN tries, EC balance, load log |
 * | 10 | qPBOC GPO over RF (offline, fDDA) | ATC, EC balance |
 * | 11 | CARD BLOCK (MAC) | card life cycle |
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { FileCardStore, WRITE_POINTS, createCard, openCardFile, type WritePoint } from '../../../src/card/index.js';
import type { CardImage, DfImage, KeyImage, SimulatedCard } from '../../../src/card/runtime/types.js';
import { historicalBytes } from '../../../src/apdu/atr.js';
import { decodeInitResponse, encodeDebit, encodeInit } from '../../../src/spec/ssse/medical-debit.js';
import { parseFinancialSection } from '../../../src/card/apps/pboc/profile.js';
import type { Profile } from '../../../src/card/personalize/profile.js';
import { fixedClock, seededRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { TestPsam } from '../ssse/psam-oracle.js';
import { foldedAuth } from '../runtime/fixture.js';
import { TestIssuer, n12, tag } from '../pboc/helpers/terminal.js';

/** Thrown by `send` once the power is cut: the session stops there. */
export class PowerCut extends Error {
  override name = 'PowerCut';
}

/** Key-management MAC: SM4-CBC, IV = challenge ‖ 00…, 80-padded input, last block folded to 4 bytes. */
function kmMac(keyHex: string, challengeHex: string, inputHex: string): string {
  const iv = Buffer.from(challengeHex.padEnd(32, '0'), 'hex');
  let padded = `${inputHex}80`;
  while ((padded.length / 2) % 16 !== 0) padded += '00';
  const c = createCipheriv('sm4-cbc', Buffer.from(keyHex, 'hex'), iv).setAutoPadding(false);
  const out = Buffer.concat([c.update(Buffer.from(padded, 'hex')), c.final()]);
  const last = out.subarray(out.length - 16);
  const mac = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) mac[i] = last[i]! ^ last[i + 4]! ^ last[i + 8]! ^ last[i + 12]!;
  return mac.toString('hex').toUpperCase();
}

const lc = (hex: string) => (hex.length / 2).toString(16).padStart(2, '0').toUpperCase();
const sw = (r: Uint8Array) => toHex(r.subarray(-2));
const df = (image: CardImage, fid: number) => image.mf.children.find((c): c is DfImage => c.kind === 'df' && c.fid === fid)!;
const key = (d: DfImage, id: string) => (d.keys ?? []).find((k: KeyImage) => k.id === id)!.value;

/**
 * Runs the session on a powered-off card.
 * @param image the image the card started from (for key values and the PAN)
 * @param cut returns true once the power has been cut (then the session stops with PowerCut)
 * @returns the status words, in order
 */
export function tearingSession(card: SimulatedCard, image: CardImage, profile: Profile, cut: () => boolean = () => false): string[] {
  const sws: string[] = [];
  const send = (hex: string): Uint8Array => {
    const r = card.transmit(fromHex(hex.replace(/ /g, '')));
    sws.push(sw(r));
    if (cut()) throw new PowerCut('power cut');
    return r;
  };
  const challenge = (n = 4) => toHex(send(`00840000${n.toString(16).padStart(2, '0')}`).subarray(0, n));
  const withMac = (keyHex: string, header: string, data = '', macCla = header.slice(0, 2)) => {
    const c = challenge();
    const l = lc(`${data}00000000`);
    return send(`${header}${l}${data}${kmMac(keyHex, c, `${macCla}${header.slice(2)}${l}${data}`)}`);
  };
  const mf = image.mf;
  card.powerOn('contact');
  // 1-3: PIN_SSSE
  send('00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
  send('0020000003999999');
  send('0020000003123456');
  send('805E0100071234 56FF654321'.replace(/ /g, ''));
  withMac(key(mf, 'RPK_SSSE'), '805E0000', '123456', '84');
  for (let i = 0; i < 3; i++) send('0020000003999999');
  withMac(key(mf, 'PUK_SSSE'), '84240000');
  send('0020000003123456');
  // 4: EXTERNAL AUTHENTICATE with UK_SSSE (reference 04): wrong, then right
  let r = challenge(8);
  send(`0082000410${'00'.repeat(8)}${r}`);
  r = challenge(8);
  send(`0082000410${foldedAuth(key(mf, 'UK_SSSE'), r)}${r}`);
  // 5: files of the MF under UK_SSSE
  send('00DC032C06 0304 332E3031'.replace(/ /g, ''));
  send('00A4020002EF07');
  send('00D6000004DEADBEEF');
  // 6: the medical debit of DF04
  send('00A4000002DF04');
  send('0020000003123456');
  const amounts = { account: 1234, selfPay: 100, fund: 200 };
  const terminalId = fromHex('310000000001');
  const init = send(`B028010113${toHex(encodeInit({ keyIndex: 1, ...amounts, terminalId }))}16`);
  if (sw(init) === '9000') {
    const psam = TestPsam.fromProfile(profile, seededRandom(5));
    const historical = historicalBytes(fromHex(image.atr.contact)).slice(-8);
    const time = fromHex('20261122100000');
    const { mac1 } = psam.debitMac1({ historical }, decodeInitResponse(init.subarray(0, -2)), amounts, terminalId, fromHex('00000001'), time);
    send(`B02C01000F${toHex(encodeDebit({ terminalSequence: fromHex('00000001'), time, mac1 }))}08`);
  }
  // 7: DF01 blocked and unblocked (its UK, reference 04)
  send('00A4000002DF01');
  withMac(key(df(image, 0xdf01), 'UK_DF01'), '841E0000');
  withMac(key(df(image, 0xdf01), 'UK_DF01'), '84180000');
  // 8: PKI
  send('00A404000C504B492EC9E7BBE1B1A3D5CF');
  send('00200081039999 99'.replace(/ /g, ''));
  send('0020008103123456');
  send(`002A9E9A10${'AB'.repeat(16)}00`);
  // 9: PBOC over contacts, online, with an EC load by issuer script
  send('00A4040008A00000033301010100');
  send(`80A80000258323${'28000000'}${n12(100)}${n12(0)}0156${'00'.repeat(5)}01562611220011223344000100`);
  send('002000800826999999FFFFFFFF');
  const gac1 = send(`80AE800034${n12(100)}${n12(0)}0156${'00'.repeat(5)}015626112200AABBCCDD103000${'20'.repeat(20)}00`);
  const pboc = image.apps.pboc!;
  const issuer = new TestIssuer(parseFinancialSection(profile.financial!), pboc.pan, pboc.psn);
  const atc = parseInt(toHex(tag(gac1.subarray(0, -2), '9F36')!), 16);
  send(issuer.script('04DA9F79', n12(50_000), atc, tag(gac1.subarray(0, -2), '9F26')!));
  send(`80AE000015 3030 0000000000 AABBCCDD ${'00'.repeat(10)} 00`);
  card.powerOff();
  // 10: qPBOC over RF, offline (TTQ 28: offline-only reader), within the EC balance
  card.powerOn('contactless');
  send('00A4040008A00000033301010100');
  send(`80A80000258323${'28000080'}${n12(100)}${n12(0)}0156${'00'.repeat(5)}01562611220001020304000100`);
  card.powerOff();
  // 11: CARD BLOCK (UK_SSSE of the MF)
  card.powerOn('contact');
  withMac(key(mf, 'UK_SSSE'), '84160000');
  send('00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
  card.powerOff();
  return sws;
}

/** Commands after which a card must still answer (no 6F00), whatever state the cut left it in. */
export function checkSession(card: SimulatedCard): string[] {
  card.powerOn('contact');
  const out = ['00A404000F7378312E73682EC9E7BBE1B1A3D5CF', '00B2012C00', '0020000003123456', '00A4000002DF04', 'B026000004', '00A4040008A00000033301010100', '80CA9F7900'].map((hex) =>
    sw(card.transmit(fromHex(hex))),
  );
  card.powerOff();
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Cutting the power (shared by tearing.test.ts and fuzz/tearing.fuzz.ts)

const tearDeps = () => ({ random: seededRandom(9), clock: fixedClock(new Date('2026-11-22T10:00:00Z')), log: silentLogger() });
const cutter = new URL('./cut-power.ts', import.meta.url).pathname;

/** A directory with the initial card file. */
export function freshCard(image: CardImage): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sscard-tear-'));
  const path = join(dir, 'card.json');
  new FileCardStore(path).save(structuredClone(image));
  return { dir, path };
}

/** The file's text before the first save ([0]) and after each save of an uncut session. */
export function uncutStates(image: CardImage, profile: Profile): { states: string[]; sws: string[] } {
  const { path } = freshCard(image);
  const states = [readFileSync(path, 'utf8')];
  const store = new FileCardStore(path, { at: (p) => void (p === 'dir-fsync' && states.push(readFileSync(path, 'utf8'))) });
  const sws = tearingSession(createCard(store.load(), tearDeps(), { store }), image, profile);
  return { states, sws };
}

/** Whether a cut at `point` leaves the state before the save (true) or after it (false). */
export const cutKeepsOld = (point: WritePoint) => WRITE_POINTS.indexOf(point) < WRITE_POINTS.indexOf('rename');

/** Reopens the card after a cut; returns what is wrong, if anything. */
async function afterCut(dir: string, path: string, expected: string, what: string, staleTemps: number): Promise<string | undefined> {
  if (readFileSync(path, 'utf8') !== expected) return `${what}: the image on disk is neither the old nor the new state it should be`;
  const temps = readdirSync(dir).filter((n) => n.endsWith('.tmp')).length;
  if (temps !== staleTemps) return `${what}: ${temps} temporary files before the reopen, expected ${staleTemps}`;
  const card = openCardFile(path, tearDeps());
  try {
    if (readdirSync(dir).some((n) => n.endsWith('.tmp'))) return `${what}: a temporary file survived the reopen`;
    const sws = checkSession(card);
    if (sws.includes('6F00')) return `${what}: the reopened card answered 6F00 (${sws.join(' ')})`;
  } finally {
    await card.close();
  }
  try {
    new FileCardStore(path).load();
  } catch (err) {
    return `${what}: the image no longer loads: ${(err as Error).message}`;
  }
  return undefined;
}

/** Cuts the power in this process (the hook throws) at `point` of save `k`; returns what is wrong, if anything. */
export async function cutInProcess(image: CardImage, profile: Profile, states: string[], k: number, point: WritePoint): Promise<string | undefined> {
  const what = `save ${k} cut at ${point}`;
  const { dir, path } = freshCard(image);
  let n = 0;
  let cut = false;
  const store = new FileCardStore(path, {
    at: (p) => {
      if (p === 'temp-open') n++;
      if (n === k && p === point) {
        cut = true;
        throw new PowerCut(what);
      }
    },
  });
  const card = createCard(store.load(), tearDeps(), { store });
  try {
    tearingSession(card, image, profile, () => cut);
    return `${what}: the session ended without reaching the cut`;
  } catch (err) {
    if (!(err instanceof PowerCut)) return `${what}: the session threw ${(err as Error).name}: ${(err as Error).message}`;
  }
  // In-process, the failed save removed its temporary file: none is left.
  return afterCut(dir, path, states[cutKeepsOld(point) ? k - 1 : k]!, what, 0);
}

/** Cuts the power of a child process (SIGKILL at `point` of save `k`); returns what is wrong, if anything. */
export async function cutInChild(image: CardImage, states: string[], k: number, point: WritePoint): Promise<string | undefined> {
  const what = `save ${k} killed at ${point}`;
  const { dir, path } = freshCard(image);
  const r = spawnSync(process.execPath, ['--import', 'tsx', cutter, path, String(k), point], { encoding: 'utf8', timeout: 60_000 });
  if (r.signal !== 'SIGKILL') return `${what}: the child was not killed (${r.status} ${r.signal}): ${r.stdout}${r.stderr}`;
  // A killed process leaves its temporary file (it holds keys): the reopen removes it.
  return afterCut(dir, path, states[cutKeepsOld(point) ? k - 1 : k]!, what, cutKeepsOld(point) ? 1 : 0);
}
