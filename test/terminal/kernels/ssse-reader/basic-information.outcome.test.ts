// Basic information and the iReadCardBas line (LD/T 33; DOMAIN.md §1.6) over the in-process card.
// Expected values: the fixture holders and profiles, the field order of DOMAIN.md §1.6, the ATR
// historical-byte layout of docs/ssse.md (00 81 53 53 43 86 gg RRRR SSSSSSSS), GB 3304 / GB/T 2261.1
// names, and the card-identifier layout computed with node:crypto (helpers.expectedCardIdentifier).
import { describe, expect, it } from 'vitest';
import { withLayers } from '../../../../src/terminal/reader.js';
import { SsseReader, type BasicReadOutcome } from '../../../../src/terminal/kernels/ssse-reader/index.js';
import type { Holder } from '../../../../src/card/personalize/holder.js';
import { clock, connectCard, expectedCardIdentifier, holders, psamOf, kernelRandom, load, profileNamed, recording, refusing, type Seen } from './helpers.js';

const shanghai = profileNamed('shanghai');

function read(out: BasicReadOutcome): Extract<BasicReadOutcome, { outcome: 'read' }> {
  if (out.outcome !== 'read') throw new Error(`expected a read, got ${JSON.stringify(out)}`);
  return out;
}

describe('basic information (EF05, EF06, EF0D)', () => {
  it('decodes every item of the Shanghai card, codes with their names, dates as dates', async () => {
    const holder = holders.shanghai();
    const { reader } = await connectCard(shanghai, holder);
    const r = read(await new SsseReader(reader, { random: kernelRandom(), clock, psam: await psamOf(shanghai) }).readBasicInformation());
    expect(r.check).toBe('authentic');
    expect(r.basic).toEqual({
      region: '310000',
      cardIdentifier: expectedCardIdentifier('310000', '00A1B2C3'),
      cardNumber: 'SH0012349',
      cardCategory: { code: '3', zh: '成年人卡', en: 'adult', known: true },
      specVersion: '3.00',
      initializingBody: '915600000231000031000001',
      issueDate: new Date(Date.UTC(2026, 0, 5)),
      expiryDate: new Date(Date.UTC(2036, 0, 5)),
      idNumber: '310104199203154427',
      name: '李文静',
      sex: { code: '2', zh: '女', en: 'female', known: true },
      nation: { code: '01', zh: '汉族', en: 'Han', known: true },
      birthplace: '310104',
      birthDate: new Date(Date.UTC(1992, 2, 15)),
      personId: '310000000001',
      firstApplicationRegion: '310000',
      atrHistoricalBytes: '00815353438630310000A1B2C3',
      interface: 'contact',
      missing: [],
    });
  });

  it('the iReadCardBas line has the eleven fields of DOMAIN.md §1.6 in order, each followed by |', async () => {
    const { reader } = await connectCard(shanghai, holders.shanghai());
    const k = new SsseReader(reader, { random: kernelRandom(), clock, psam: await psamOf(shanghai), deviceNumber: 'SSCARD-T01' });
    const r = read(await k.readBasicInformation());
    const id = expectedCardIdentifier('310000', '00A1B2C3');
    expect(r.iReadCardBas).toBe(
      `310000|310104199203154427|SH0012349|${id}|李文静|00815353438630310000A1B2C3|3.00|20260105|20360105|310000000001|SSCARD-T01|`,
    );
  });

  it('reproduces the real card of DOMAIN.md §1.4 (region 519900, 10000B26, FFFFFFFF, HA1046924) over T=0', async () => {
    const profile = profileNamed('sichuan', (p) => {
      p.issuer.regionCode = '519900';
    });
    const holder = load('fixtures/holders/trace-ha1046924.json') as Holder;
    const seen: Seen[] = [];
    const { reader } = await connectCard(profile, holder);
    const traced = withLayers(reader, recording(seen));
    const r = read(await new SsseReader(traced, { random: kernelRandom(), clock }).readBasicInformation());
    expect(r.iReadCardBas).toBe('519900|519900198507042212|HA1046924|519900D15600000510000B26FFFFFFFF|赵秀英|00815353438630519910000B26|3.00|20221116|20321116|||');
    // T=0: the card announced the FCI with 61xx and wrong Le with 6Cxx; the kernel fetched / re-asked
    expect(seen.some((s) => s.response.startsWith('61'))).toBe(true);
    expect(seen.some((s) => s.command.startsWith('00C00000'))).toBe(true);
    expect(seen.some((s) => /^6C/.test(s.response))).toBe(true);
    // the record of the trace: 00B2 01 .. → 0110 519900D15600000510000B26FFFFFFFF
    expect(seen.some((s) => s.response === '0110519900D15600000510000B26FFFFFFFF9000')).toBe(true);
  });

  it('a long name continues in 姓名扩展 (tag 4E) and is read back whole', async () => {
    const holder = { ...holders.shanghai(), name: '阿卜杜热合曼·买买提明·阿卜杜拉' };
    const { reader } = await connectCard(shanghai, holder);
    const r = read(await new SsseReader(reader, { random: kernelRandom(), clock }).readBasicInformation());
    expect(r.basic.name).toBe('阿卜杜热合曼·买买提明·阿卜杜拉');
  });

  it('second generation: no EF0D, reported missing; the rest reads', async () => {
    const gen2 = profileNamed('gen2-3des');
    const { reader } = await connectCard(gen2, holders.gen2());
    const r = read(await new SsseReader(reader, { random: kernelRandom(), clock }).readBasicInformation());
    expect(r.basic.missing).toEqual(['EF0D']);
    expect(r.basic.specVersion).toBe('2.00');
    expect(r.basic.name).toBe('刘洋');
    expect(r.basic.personId).toBeUndefined();
  });

  it('contactless: the Sichuan card gives only EF05 without contacts (partial data)', async () => {
    const sichuan = profileNamed('sichuan');
    const { reader } = await connectCard(sichuan, holders.sichuan(), { iface: 'contactless' });
    const r = read(await new SsseReader(reader, { random: kernelRandom(), clock }).readBasicInformation());
    expect(r.basic.interface).toBe('contactless');
    expect(r.basic.missing).toEqual(['EF06', 'EF0D']);
    expect(r.basic.cardNumber).toBe('A00815261');
    expect(r.basic.name).toBeUndefined();
    expect(r.iReadCardBas.split('|')[1]).toBe('');
  });

  it('contactless: the Shanghai card answers EF05, EF06 and EF0D over RF', async () => {
    const { reader } = await connectCard(shanghai, holders.shanghai(), { iface: 'contactless' });
    const r = read(await new SsseReader(reader, { random: kernelRandom(), clock, psam: await psamOf(shanghai) }).readBasicInformation());
    expect(r.basic.missing).toEqual([]);
    expect(r.basic.name).toBe('李文静');
  });
});

describe('READ RECORD forms (real cards vary)', () => {
  const isReadByIdentifierWithSfi = (c: Uint8Array) => c[1] === 0xb2 && (c[3]! & 0x07) === 0 && c[3]! >> 3 !== 0;
  const isReadWithSfi = (c: Uint8Array) => c[1] === 0xb2 && c[3]! >> 3 !== 0;

  it('a card that refuses the identifier form (6A86) is read by record number', async () => {
    const seen: Seen[] = [];
    const { reader } = await connectCard(shanghai, holders.shanghai());
    const variant = withLayers(reader, refusing(isReadByIdentifierWithSfi, 0x6a86), recording(seen));
    const r = read(await new SsseReader(variant, { random: kernelRandom(), clock }).readBasicInformation());
    expect(r.basic.name).toBe('李文静');
    // EF05 record 7 (the card number) by number: 00 B2 07 2C, the observed read of DOMAIN.md §1.3
    expect(seen.some((s) => s.command.startsWith('00B2072C'))).toBe(true);
    // once refused, the identifier form is not tried again for the next files
    expect(seen.filter((s) => s.response === '6A86')).toHaveLength(1);
  });

  it('a card without SFIs (6A82) is read as in the real trace: SELECT EF then READ RECORD P2=00 by tag', async () => {
    const seen: Seen[] = [];
    const { reader } = await connectCard(shanghai, holders.shanghai());
    const variant = withLayers(reader, refusing(isReadWithSfi, 0x6a82), recording(seen));
    const r = read(await new SsseReader(variant, { random: kernelRandom(), clock, psam: await psamOf(shanghai) }).readBasicInformation());
    expect(r.basic.cardNumber).toBe('SH0012349');
    expect(r.basic.idNumber).toBe('310104199203154427');
    const cmds = seen.map((s) => s.command);
    expect(cmds).toContain('00A4020002EF05');
    expect(cmds).toContain('00A4020002EF06');
    expect(cmds).toContain('00B2070000'); // tag 07 (卡号), P2=00: current EF, first record with this identifier
    expect(cmds).toContain('00B2080000'); // tag 08 (社会保障号码), as the trace's 00B2080014
  });

  it('a card that refuses every form is a card-error naming the step, not an exception', async () => {
    const { reader } = await connectCard(shanghai, holders.shanghai());
    const variant = withLayers(reader, refusing((c) => c[1] === 0xb2, 0x6a86));
    const r = await new SsseReader(variant, { random: kernelRandom(), clock }).readBasicInformation();
    expect(r).toMatchObject({ outcome: 'card-error', step: 'READ RECORD EF05 tag 01', sw: 0x6a86 });
  });
});
