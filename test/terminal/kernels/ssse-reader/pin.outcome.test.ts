// PIN outcomes (LD/T 32.5 VERIFY / CHANGE PIN / RELOAD PIN / PIN UNBLOCK; DOMAIN.md §1.3) over the
// in-process card. Expected values: the profiles' default PIN (123456) and tries (3); the status words
// of DOMAIN.md §1.3 (63Cx tries left, 6983 blocked, 9302 MAC wrong).
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../../../src/card/personalize/profile.js';
import type { Holder } from '../../../../src/card/personalize/holder.js';
import { SsseReader } from '../../../../src/terminal/kernels/ssse-reader/index.js';
import { PsamError, type PsamPort } from '../../../../src/terminal/psam/psam-port.js';
import { clock, connectCard, holders, psamOf, kernelRandom, profileNamed } from './helpers.js';

const shanghai = profileNamed('shanghai');
const gen2 = profileNamed('gen2-3des');

async function kernelFor(profile: Profile, holder: Holder, given?: PsamPort | null) {
  const psam = given === undefined ? await psamOf(profile) : given;
  const { reader } = await connectCard(profile, holder);
  return new SsseReader(reader, { random: kernelRandom(), clock, ...(psam ? { psam } : {}) });
}

async function blockPin(k: SsseReader): Promise<void> {
  expect(await k.verifyPin('000000')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
  expect(await k.verifyPin('000000')).toEqual({ outcome: 'wrong-pin', triesLeft: 1 });
  expect(await k.verifyPin('000000')).toEqual({ outcome: 'wrong-pin', triesLeft: 0 });
  expect(await k.verifyPin('123456')).toEqual({ outcome: 'pin-blocked' });
}

describe('PIN (cardholder)', () => {
  it('verify: the right PIN, then the state says verified', async () => {
    const k = await kernelFor(shanghai, holders.shanghai());
    expect(await k.pinStatus()).toEqual({ outcome: 'pin-status', verified: false, triesLeft: 3 });
    expect(await k.verifyPin('123456')).toEqual({ outcome: 'verified' });
    expect(await k.pinStatus()).toEqual({ outcome: 'pin-status', verified: true });
  });

  it('a wrong PIN reports the tries left, then the PIN is blocked (6983)', async () => {
    const k = await kernelFor(shanghai, holders.shanghai());
    await blockPin(k);
    expect(await k.pinStatus()).toEqual({ outcome: 'pin-blocked' });
  });

  it('a right PIN after a wrong one resets the counter', async () => {
    const k = await kernelFor(shanghai, holders.shanghai());
    expect(await k.verifyPin('111111')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
    expect(await k.verifyPin('123456')).toEqual({ outcome: 'verified' });
    expect(await k.verifyPin('111111')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
  });

  it('change: old ‖ FF ‖ new; the new PIN verifies, the old one no more', async () => {
    const k = await kernelFor(shanghai, holders.shanghai());
    expect(await k.changePin('123456', '2468013')).toEqual({ outcome: 'changed' });
    expect(await k.verifyPin('2468013')).toEqual({ outcome: 'verified' });
    expect(await k.verifyPin('123456')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
  });

  it('change with a wrong old PIN counts as a wrong PIN', async () => {
    const k = await kernelFor(shanghai, holders.shanghai());
    expect(await k.changePin('999999', '111111')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
  });

  it('a PIN that is not 4–12 digits is the caller\'s error (RangeError), never sent', async () => {
    const k = await kernelFor(shanghai, holders.shanghai());
    await expect(k.verifyPin('12a456')).rejects.toThrow(RangeError);
    await expect(k.changePin('123456', '123')).rejects.toThrow(RangeError);
  });
});

describe('PIN (issuer, through the PSAM)', () => {
  for (const [name, profile, holder] of [
    ['SM4 third generation', shanghai, holders.shanghai()],
    ['3DES second generation (T=0)', gen2, holders.gen2()],
  ] as const) {
    it(`${name}: reload sets a new PIN and resets a blocked counter`, async () => {
      const k = await kernelFor(profile, holder);
      await blockPin(k);
      expect(await k.reloadPin('778899')).toEqual({ outcome: 'reloaded' });
      expect(await k.pinStatus()).toEqual({ outcome: 'pin-status', verified: false, triesLeft: 3 });
      expect(await k.verifyPin('778899')).toEqual({ outcome: 'verified' });
    });

    it(`${name}: unblock resets the counter and keeps the PIN`, async () => {
      const k = await kernelFor(profile, holder);
      await blockPin(k);
      expect(await k.unblockPin()).toEqual({ outcome: 'unblocked' });
      expect(await k.verifyPin('123456')).toEqual({ outcome: 'verified' });
    });

    it(`${name}: unblock with a new PIN (P2=01, the PIN enciphered under PUK)`, async () => {
      const k = await kernelFor(profile, holder);
      await blockPin(k);
      expect(await k.unblockPin('13572468')).toEqual({ outcome: 'unblocked' });
      expect(await k.verifyPin('123456')).toEqual({ outcome: 'wrong-pin', triesLeft: 2 });
      expect(await k.verifyPin('13572468')).toEqual({ outcome: 'verified' });
    });
  }

  it('a PSAM with another issuer\'s RPK: the card refuses the MAC (9302) and keeps its PIN', async () => {
    const other = profileNamed('shanghai', (p) => {
      p.masterKeys.SSSE.RPK = '0F0E0D0C0B0A09080706050403020100';
    });
    const k = await kernelFor(shanghai, holders.shanghai(), await psamOf(other));
    expect(await k.reloadPin('778899')).toMatchObject({ outcome: 'refused', sw: 0x9302 });
    expect(await k.verifyPin('123456')).toEqual({ outcome: 'verified' });
  });

  it('a PSAM that refuses the key-management MAC: a psam-error outcome with its status word', async () => {
    const psam = await psamOf(shanghai);
    psam.keyManagementMac = async () => {
      throw new PsamError('key-management MAC', 0x6d00, 'instruction not supported');
    };
    const k = await kernelFor(shanghai, holders.shanghai(), psam);
    expect(await k.reloadPin('778899')).toMatchObject({ outcome: 'psam-error', sw: 0x6d00 });
    expect(await k.unblockPin()).toMatchObject({ outcome: 'psam-error', sw: 0x6d00 });
  });

  it('without a PSAM: reload is psam-required', async () => {
    const k = await kernelFor(shanghai, holders.shanghai(), null);
    expect((await k.reloadPin('778899')).outcome).toBe('psam-required');
  });

  it('a counterfeit card is refused before any PIN command', async () => {
    const forged = profileNamed('shanghai', (p) => {
      p.masterKeys.SSSE.IRK = '00112233445566778899AABBCCDDEEFF';
    });
    const { reader } = await connectCard(forged, holders.shanghai());
    const k = new SsseReader(reader, { random: kernelRandom(), clock, psam: await psamOf(shanghai) });
    expect((await k.verifyPin('123456')).outcome).toBe('counterfeit');
  });
});
