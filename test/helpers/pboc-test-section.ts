// The TEST financial section (profile.financial, docs/pboc.md "Profile section") that the card's PBOC
// transcripts (test/card/pboc) and the terminal's kernel tests (test/terminal/kernels) personalise their
// cards with: data only, no code of either half. Its keys are TEST keys, not any issuer's.

/** TEST master keys and data of the example financial section (docs/pboc.md). */
export const TEST_FINANCIAL_SECTION = {
  label: 'PBOC DEBIT',
  algorithm: 'SM4',
  panPrefix: '621234',
  panLength: 19,
  psn: '01',
  pin: '123456',
  pinMaxTries: 3,
  masterKeys: {
    AC: '0123456789ABCDEFFEDCBA9876543210',
    MAC: '11223344556677888877665544332211',
    ENC: 'A1A2A3A4A5A6A7A8B1B2B3B4B5B6B7B8',
  },
  oda: { caIndex: 'F1', caSeed: 'sscard TEST PBOC CA', issuerSeed: 'sscard TEST PBOC issuer' },
  ec: { balance: 50_000, balanceLimit: 100_000, singleLimit: 20_000, resetThreshold: 10_000 },
};
