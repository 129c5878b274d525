// DF04 (medical insurance) over the in-process card: the files behind the PIN (and RK_DF04), the
// offline medical debit, and writes after external authentication. Expected values: the profiles
// (opening balance, insurance type), the holders, the code tables' standards; the TAC of an approved
// debit recomputed here with node:crypto SM4 from the layouts written in docs/ssse.md (DOMAIN.md §1.4).
import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../../../src/card/personalize/profile.js';
import type { Holder } from '../../../../src/card/personalize/holder.js';
import { SsseReader, type DebitOutcome, type MedicalReadOutcome } from '../../../../src/terminal/kernels/ssse-reader/index.js';
import type { PsamPort } from '../../../../src/terminal/psam/psam-port.js';
import { clock, connectCard, holders, psamOf, kernelRandom, profileNamed } from './helpers.js';

const shanghai = profileNamed('shanghai');

async function kernelFor(profile: Profile, holder: Holder, options: { psam?: PsamPort | null; iface?: 'contact' | 'contactless' } = {}) {
  const { reader, card } = await connectCard(profile, holder, { ...(options.iface ? { iface: options.iface } : {}) });
  const psam = options.psam === undefined ? await psamOf(profile) : options.psam;
  return { kernel: new SsseReader(reader, { random: kernelRandom(), clock, ...(psam ? { psam } : {}) }), reader, card };
}

function approved(r: DebitOutcome | { outcome: string }): Extract<DebitOutcome, { outcome: 'approved' }> {
  if (r.outcome !== 'approved') throw new Error(`expected approved, got ${JSON.stringify(r)}`);
  return r as Extract<DebitOutcome, { outcome: 'approved' }>;
}

// --- an independent SM4 SSSE MAC (DOMAIN.md §1.4), node:crypto only ---
const sm4 = (key: Buffer, block: Buffer) => {
  const c = createCipheriv('sm4-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
};
const not = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0xff));
function cardKey(master: string, region: string, t6td: string): Buffer {
  let k = Buffer.from(master, 'hex');
  const levels = [
    Buffer.concat([Buffer.from(region.slice(0, 2), 'ascii'), Buffer.from('303030307368', 'hex')]),
    Buffer.concat([Buffer.from(region, 'ascii'), Buffer.from('7378', 'hex')]),
    Buffer.from(t6td, 'hex'),
  ];
  for (const d of levels) k = sm4(k, Buffer.concat([d, not(d)]));
  return k;
}
function ssseMacSm4(key: Buffer, data: Buffer): string {
  const padded = Buffer.concat([data, Buffer.from([0x80]), Buffer.alloc((16 - ((data.length + 1) % 16)) % 16)]);
  let h: Buffer = Buffer.alloc(16);
  for (let i = 0; i < padded.length; i += 16) h = sm4(key, Buffer.from(padded.subarray(i, i + 16).map((b, j) => b ^ h[j]!)));
  const out = Buffer.alloc(4);
  for (let w = 0; w < 16; w += 4) for (let j = 0; j < 4; j++) out[j]! ^= h[w + j]!;
  return out.toString('hex').toUpperCase();
}

describe('DF04 files behind the PIN', () => {
  it('EF05 with the PIN, EF06 with the PIN and RK_DF04 (PSAM): codes decoded', async () => {
    const { kernel } = await kernelFor(shanghai, holders.shanghai());
    const r: MedicalReadOutcome = await kernel.readMedical('123456');
    expect(r).toEqual({
      outcome: 'read',
      medical: {
        insuranceType: { code: '310', zh: '职工基本医疗保险', en: 'employee basic medical insurance', known: true, flags: '' },
        insuredRegion: '310000',
        personCategory: { code: '11', zh: '在职', en: 'employed', known: true },
        accountOpenDate: new Date(Date.UTC(2026, 0, 5)),
        personalAccount: '310104199203154427',
        designatedInstitutions: [],
        cardUse: '1',
      },
      offline: { allowed: true, amount: 0, count: 0 },
    });
  });

  it('without a PSAM EF05 still reads; EF06 is reported unavailable (it needs RK_DF04)', async () => {
    const { kernel } = await kernelFor(profileNamed('sichuan'), holders.sichuan(), { psam: null });
    const r = await kernel.readMedical('888888');
    expect(r).toMatchObject({ outcome: 'read', medical: { insuranceType: { code: '390', zh: '城乡居民基本医疗保险' }, personCategory: { code: '21', zh: '退休' } } });
    expect(r.outcome === 'read' && r.offline).toBeFalsy();
    expect(r.outcome === 'read' && r.offlineUnavailable).toMatch(/RK_DF04/);
  });

  it('a wrong PIN is wrong-pin; over the contactless interface DF04 is unavailable', async () => {
    const { kernel } = await kernelFor(shanghai, holders.shanghai());
    expect(await kernel.readMedical('654321')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    const rf = await kernelFor(shanghai, holders.shanghai(), { iface: 'contactless' });
    expect(await rf.kernel.readMedical('123456')).toMatchObject({ outcome: 'unavailable' });
  });
});

describe('offline medical debit (B0 28 / B0 2C / B0 26, EF08 / EF15)', () => {
  it('approved: balance, sequence, the records read back; the TAC recomputed independently', async () => {
    const { kernel } = await kernelFor(shanghai, holders.shanghai());
    const amounts = { account: 1250, selfPay: 300, fund: 4000 };
    const r = approved(await kernel.medicalDebit(amounts, '123456'));
    expect(r).toMatchObject({ balanceBefore: 100000, balanceAfter: 98750, sequence: 1, terminalId: '310000000001' });
    // the time is the terminal's clock in Beijing time: 2026-11-22 10:00 UTC = 18:00 (UTC+8)
    expect(r.time).toEqual(new Date(Date.UTC(2026, 10, 22, 10, 0)));
    expect(r.transaction).toEqual({ sequence: 1, type: '1', terminalId: '310000000001', time: r.time, account: 1250, selfPay: 300, fund: 4000 });
    expect(r.settlement).toEqual({ sequence: 1, category: '1' });
    // TAC = MAC_DTK(account ‖ selfPay ‖ fund ‖ '1' ‖ terminalId ‖ terminalSeq ‖ time), DTK three-level diversified
    const dtk = cardKey(shanghai.masterKeys.DF04.DTK!, '310000', '8630310000A1B2C3');
    const input = Buffer.from(`000004E20000012C00000FA031310000000001${r.terminalSequence}20261122180000`, 'hex');
    expect(r.tac).toBe(ssseMacSm4(dtk, input));
    // a second debit continues the sequence and the balance
    const again = approved(await kernel.medicalDebit({ account: 50, selfPay: 0, fund: 0 }, '123456'));
    expect(again).toMatchObject({ balanceBefore: 98750, balanceAfter: 98700, sequence: 2 });
    // DF04 EF06 accumulates the offline amount and count
    expect(await kernel.readMedical('123456')).toMatchObject({ offline: { allowed: true, amount: 1300, count: 2 } });
  });

  it('insufficient balance: 9401 at INIT, the balance reported, nothing debited', async () => {
    const { kernel } = await kernelFor(shanghai, holders.shanghai());
    expect(await kernel.medicalDebit({ account: 100001, selfPay: 0, fund: 0 }, '123456')).toEqual({ outcome: 'insufficient-balance', requested: 100001, balance: 100000 });
    expect(approved(await kernel.medicalDebit({ account: 100000, selfPay: 0, fund: 0 }, '123456')).balanceAfter).toBe(0);
  });

  it('a wrong MAC1 (the PSAM holds another DPK): 9302, nothing debited', async () => {
    const other = profileNamed('shanghai', (p) => {
      p.masterKeys.DF04.DPK = 'AABBCCDDEEFF00112233445566778899';
    });
    const { reader } = await connectCard(shanghai, holders.shanghai());
    const wrong = new SsseReader(reader, { random: kernelRandom(), clock, psam: await psamOf(other) });
    expect(await wrong.medicalDebit({ account: 100, selfPay: 0, fund: 0 }, '123456')).toMatchObject({ outcome: 'mac-wrong', which: 'MAC1', debited: false });
    const right = new SsseReader(reader, { random: kernelRandom(), clock, psam: await psamOf(shanghai) });
    expect(approved(await right.medicalDebit({ account: 100, selfPay: 0, fund: 0 }, '123456')).balanceBefore).toBe(100000);
  });

  it('a TAC that does not verify (the PSAM holds another DTK): mac-wrong, and the kernel says the card debited', async () => {
    const other = profileNamed('shanghai', (p) => {
      p.masterKeys.DF04.DTK = 'AABBCCDDEEFF00112233445566778899';
    });
    const { kernel } = await kernelFor(shanghai, holders.shanghai(), { psam: await psamOf(other) });
    expect(await kernel.medicalDebit({ account: 100, selfPay: 0, fund: 0 }, '123456')).toMatchObject({ outcome: 'mac-wrong', which: 'TAC', debited: true });
  });

  it('offline not allowed (DF04 EF06 准许脱网标识 = 0): 6985 at INIT', async () => {
    const noOffline = profileNamed('shanghai', (p) => {
      p.medical.offlineAllowed = false;
    });
    const { kernel } = await kernelFor(noOffline, holders.shanghai());
    expect(await kernel.medicalDebit({ account: 100, selfPay: 0, fund: 0 }, '123456')).toEqual({ outcome: 'offline-not-allowed' });
  });

  it('a wrong PIN stops the debit with the tries left; without a PSAM it cannot start', async () => {
    const { kernel } = await kernelFor(shanghai, holders.shanghai());
    expect(await kernel.medicalDebit({ account: 100, selfPay: 0, fund: 0 }, '111111')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    const bare = await kernelFor(shanghai, holders.shanghai(), { psam: null });
    expect((await bare.kernel.medicalDebit({ account: 100, selfPay: 0, fund: 0 }, '123456')).outcome).toBe('psam-required');
  });

  it('the second-generation 3DES card (T=0) debits with its PSAM', async () => {
    const gen2 = profileNamed('gen2-3des');
    const { kernel } = await kernelFor(gen2, holders.gen2());
    expect(approved(await kernel.medicalDebit({ account: 2000, selfPay: 0, fund: 0 }, '123456'))).toMatchObject({ balanceBefore: 20000, balanceAfter: 18000 });
  });

  it('over the contactless interface DF04 is unavailable', async () => {
    const { kernel } = await kernelFor(shanghai, holders.shanghai(), { iface: 'contactless' });
    expect((await kernel.medicalDebit({ account: 100, selfPay: 0, fund: 0 }, '123456')).outcome).toBe('unavailable');
  });

  it('amounts that are not whole fen are the caller\'s error', async () => {
    const { kernel } = await kernelFor(shanghai, holders.shanghai());
    await expect(kernel.medicalDebit({ account: 12.5, selfPay: 0, fund: 0 }, '123456')).rejects.toThrow(RangeError);
  });
});

describe('writes after external authentication (UPDATE RECORD with a MAC)', () => {
  it('EF06 出生地 and DF04 EF05 参保人员类别 are written and read back', async () => {
    const { kernel, reader } = await kernelFor(shanghai, holders.shanghai());
    expect(await kernel.updateItem('EF06', 'birthplace', '310105')).toEqual({ outcome: 'written', file: 'EF06', key: 'birthplace', value: '310105' });
    expect(await kernel.updateItem('DF04/EF05', 'personCategory', '21')).toEqual({ outcome: 'written', file: 'DF04/EF05', key: 'personCategory', value: '21' });
    const fresh = new SsseReader(reader, { random: kernelRandom(), clock, psam: await psamOf(shanghai) });
    expect(await fresh.readBasicInformation()).toMatchObject({ outcome: 'read', basic: { birthplace: '310105' } });
    expect(await fresh.readMedical('123456')).toMatchObject({ outcome: 'read', medical: { personCategory: { code: '21', zh: '退休' } } });
  });

  it('a PSAM with another UK: the card rejects the external authentication and counts down', async () => {
    const other = profileNamed('shanghai', (p) => {
      p.masterKeys.SSSE.UK = '0123456789ABCDEF0123456789ABCDEF';
    });
    const { kernel } = await kernelFor(shanghai, holders.shanghai(), { psam: await psamOf(other) });
    expect(await kernel.updateItem('EF06', 'birthplace', '310105')).toEqual({ outcome: 'rejected', df: 'SSSE', kind: 'UK', triesLeft: 14 });
  });

  it('without a PSAM no write is attempted', async () => {
    const { kernel } = await kernelFor(shanghai, holders.shanghai(), { psam: null });
    expect((await kernel.updateItem('EF06', 'birthplace', '310105')).outcome).toBe('psam-required');
  });
});
