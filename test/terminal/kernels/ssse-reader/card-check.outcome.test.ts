// Outcome tests of the card check (LD/T 32.7 §5.4) over the in-process card: each card is personalised
// to reach one outcome. Expected values come from the fixtures (holder serial, profile region) and the
// card-identifier layout of DOMAIN.md §1.2 computed here with node:crypto's SM3 — never from the kernel.
import { describe, expect, it } from 'vitest';
import type { EfImage } from '../../../../src/card/runtime/types.js';
import type { CardReader } from '../../../../src/terminal/reader.js';
import type { PsamPort } from '../../../../src/terminal/psam/psam-port.js';
import { Blacklist, SsseReader } from '../../../../src/terminal/kernels/ssse-reader/index.js';
import { clock, connectCard, expectedCardIdentifier, holders, psamOf, kernelRandom, profileNamed } from './helpers.js';

const shanghai = profileNamed('shanghai');
const holder = holders.shanghai();
const ID = expectedCardIdentifier('310000', holder.serial!);

/** Counts the PSAM's open() calls. */
function countOpens(psam: PsamPort): { count: number } {
  const counter = { count: 0 };
  const open = psam.open.bind(psam);
  psam.open = () => {
    counter.count++;
    return open();
  };
  return counter;
}

function kernel(reader: CardReader, options: Partial<ConstructorParameters<typeof SsseReader>[1]> = {}): SsseReader {
  return new SsseReader(reader, { random: kernelRandom(), clock, ...options });
}

describe('card check (LD/T 32.7 §5.4)', () => {
  it('authentic: the PSAM verifies the IRK cryptogram; the identifier is the holder\'s', async () => {
    const { reader } = await connectCard(shanghai, holder);
    const psam = await psamOf(shanghai);
    const opened = countOpens(psam);
    const r = await kernel(reader, { psam }).checkCard();
    expect(r.outcome).toBe('authentic');
    if (r.outcome !== 'authentic') return;
    expect(r.identifier).toEqual({ region: '310000', rid: 'D156000005', serial: '00A1B2C3', authCode: ID.slice(24) });
    expect(opened.count).toBe(1);
  });

  it('unchecked without a PSAM (the blacklist still applies)', async () => {
    const { reader } = await connectCard(shanghai, holder);
    expect((await kernel(reader).checkCard()).outcome).toBe('unchecked');
    const { reader: again } = await connectCard(shanghai, holder);
    const listed = await kernel(again, { blacklist: Blacklist.parse(`${ID}  正式挂失\n`) }).checkCard();
    expect(listed).toMatchObject({ outcome: 'blacklisted', entry: { cardIdentifier: ID, reason: '正式挂失', line: 1 } });
  });

  it('counterfeit: a card personalised with another IRK than the issuer\'s', async () => {
    const forged = profileNamed('shanghai', (p) => {
      p.masterKeys.SSSE.IRK = '00112233445566778899AABBCCDDEEFF';
    });
    const { reader } = await connectCard(forged, holder);
    const r = await kernel(reader, { psam: await psamOf(shanghai) }).checkCard();
    expect(r.outcome).toBe('counterfeit');
  });

  it('counterfeit: a genuine card\'s data copied onto a chip with another serial in its ATR', async () => {
    const { reader } = await connectCard(shanghai, holder, {
      change: (image) => {
        // the ATR's card serial (T10–TD) no longer matches the keys derived for the original serial
        image.atr.contact = `${image.atr.contact.slice(0, -10)}01020304${image.atr.contact.slice(-2)}`;
      },
    });
    const r = await kernel(reader, { psam: await psamOf(shanghai) }).checkCard();
    expect(r.outcome).toBe('counterfeit');
  });

  it('blacklisted: the identifier is in the terminal\'s blacklist file (any case)', async () => {
    const { reader } = await connectCard(shanghai, holder);
    const blacklist = Blacklist.parse(`# lost cards\n\n519900D15600000510000B26FFFFFFFF\n${ID.toLowerCase()}   临时挂失 2026-11-01\n`);
    const r = await kernel(reader, { psam: await psamOf(shanghai), blacklist }).checkCard();
    expect(r).toMatchObject({ outcome: 'blacklisted', entry: { cardIdentifier: ID, reason: '临时挂失 2026-11-01', line: 4 } });
  });

  it('blocked: a card after CARD BLOCK answers 6A81 to everything', async () => {
    const { reader } = await connectCard(shanghai, holder, { change: (image) => void (image.cardLifeCycle = 'blocked') });
    expect(await kernel(reader, { psam: await psamOf(shanghai) }).checkCard()).toEqual({ outcome: 'blocked', scope: 'card', sw: 0x6a81 });
  });

  it('blocked: an SSSE application after APPLICATION BLOCK answers SELECT with 6283', async () => {
    const { reader } = await connectCard(shanghai, holder, { change: (image) => void (image.mf.lifeCycle = 'blocked') });
    expect(await kernel(reader, { psam: await psamOf(shanghai) }).checkCard()).toEqual({ outcome: 'blocked', scope: 'application', sw: 0x6283 });
  });

  it('not a social-security card: no SSSE DF name and no EF05 (SELECT 6A82, fallback SELECT EF05 6A82)', async () => {
    const { reader } = await connectCard(shanghai, holder, {
      change: (image) => {
        image.mf.aid = 'A000000333010101';
        image.mf.children = image.mf.children.filter((c) => !(c.kind === 'ef' && c.fid === 0xef05));
      },
    });
    expect(await kernel(reader, { psam: await psamOf(shanghai) }).checkCard()).toMatchObject({ outcome: 'not-ssse', sw: 0x6a82 });
  });

  it('not a social-security card: EF05 whose identifier lacks the RID D156000005', async () => {
    const { reader } = await connectCard(shanghai, holder, {
      change: (image) => {
        const ef05 = image.mf.children.find((c): c is EfImage => c.kind === 'ef' && c.fid === 0xef05)!;
        ef05.records![0] = `0110310000A00000000300A1B2C311223344`;
      },
    });
    expect((await kernel(reader).checkCard()).outcome).toBe('not-ssse');
  });

  it('psam-mismatch: an SM4 PSAM cannot check a second-generation 3DES card', async () => {
    const gen2 = profileNamed('gen2-3des');
    const { reader } = await connectCard(gen2, holders.gen2());
    const r = await kernel(reader, { psam: await psamOf(shanghai) }).checkCard();
    expect(r.outcome).toBe('psam-mismatch');
  });

  it('the second-generation 3DES profile (T=0) is authentic with its own PSAM', async () => {
    const gen2 = profileNamed('gen2-3des');
    const { reader } = await connectCard(gen2, holders.gen2());
    expect(reader.protocol).toBe('T=0');
    const r = await kernel(reader, { psam: await psamOf(gen2, '370100000001') }).checkCard();
    expect(r).toMatchObject({ outcome: 'authentic', identifier: { region: '370100', serial: '2A48BDC3' } });
  });

  it('runs once per connection (the outcome is remembered)', async () => {
    const { reader } = await connectCard(shanghai, holder);
    const psam = await psamOf(shanghai);
    const opened = countOpens(psam);
    const k = kernel(reader, { psam });
    const a = await k.checkCard();
    const b = await k.checkCard();
    expect(b).toBe(a);
    expect(opened.count).toBe(1);
  });

  it('a refused PSAM is a psam-error outcome, not an exception', async () => {
    const other = profileNamed('shanghai', (p) => {
      delete p.masterKeys.SSSE.PUK;
    });
    const psam = await psamOf(other);
    psam.verifyInternalAuthentication = async () => {
      const { PsamError } = await import('../../../../src/terminal/psam/psam-port.js');
      throw new PsamError('verify', 0x6a88, 'no such key');
    };
    const { reader } = await connectCard(shanghai, holder);
    expect(await kernel(reader, { psam }).checkCard()).toMatchObject({ outcome: 'psam-error', sw: 0x6a88 });
  });
});

