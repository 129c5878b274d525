/**
 * `sscard pin verify|change|reload|unblock|status`: the SSSE PIN (LD/T 33 iVerifyPIN, iChangePIN,
 * iReloadPIN, iUnblockPIN). Reload and unblock are the issuer's: they need a PSAM.
 */
import type { Command } from 'commander';
import { addSsseOptions, pinOption, refuse, SSSE_HELP, withSsseReader, type SsseOptionValues } from '../ssse-cli.js';
import { writeJson, writeOut } from '../output.js';

interface PinOptions extends SsseOptionValues {
  pin?: string;
  newPin?: string;
}

type Sub = {
  name: string;
  description: string;
  options: Array<[string, string]>;
  psam: boolean;
  examples: string[];
  run: (kernel: Parameters<Parameters<typeof withSsseReader>[3]>[0], opts: PinOptions) => Promise<{ outcome: string }>;
  done: string;
};

const SUBS: Sub[] = [
  {
    name: 'verify',
    description: 'check the cardholder PIN (VERIFY 00 20 00 00); a wrong PIN reports the tries left',
    options: [['--pin <digits>', 'the PIN (4 to 12 digits)']],
    psam: false,
    examples: ['sscard pin verify --card card.json --pin 123456', 'sscard pin verify --reader 0 --pin 123456 --json'],
    run: (k, o) => k.verifyPin(pinOption(o.pin, '--pin')),
    done: 'PIN verified',
  },
  {
    name: 'change',
    description: 'change the PIN with the old one (CHANGE PIN 80 5E 01 00)',
    options: [
      ['--pin <digits>', 'the current PIN'],
      ['--new-pin <digits>', 'the new PIN (4 to 12 digits)'],
    ],
    psam: false,
    examples: ['sscard pin change --card card.json --pin 123456 --new-pin 654321'],
    run: (k, o) => k.changePin(pinOption(o.pin, '--pin'), pinOption(o.newPin, '--new-pin')),
    done: 'PIN changed',
  },
  {
    name: 'reload',
    description: 'set a new PIN and reset its counter, with the issuer\'s key through the PSAM (RELOAD PIN 80 5E 00 00)',
    options: [['--new-pin <digits>', 'the new PIN (4 to 12 digits)']],
    psam: true,
    examples: ['sscard pin reload --card card.json --psam psam.json --new-pin 123456'],
    run: (k, o) => k.reloadPin(pinOption(o.newPin, '--new-pin')),
    done: 'PIN reloaded (new PIN set, tries reset)',
  },
  {
    name: 'unblock',
    description: 'reset a blocked PIN\'s counter (optionally setting a new PIN) through the PSAM (PIN UNBLOCK 84 24)',
    options: [['--new-pin <digits>', 'also set this new PIN (84 24 00 01, enciphered)']],
    psam: true,
    examples: ['sscard pin unblock --card card.json --psam psam.json', 'sscard pin unblock --card card.json --psam psam.json --new-pin 246810'],
    run: (k, o) => k.unblockPin(o.newPin === undefined ? undefined : pinOption(o.newPin, '--new-pin')),
    done: 'PIN unblocked (tries reset)',
  },
  {
    name: 'status',
    description: 'the PIN\'s tries left without presenting it (VERIFY without data)',
    options: [],
    psam: false,
    examples: ['sscard pin status --card card.json'],
    run: async (k) => k.pinStatus(),
    done: '',
  },
];

export function register(program: Command): void {
  const pin = program
    .command('pin')
    .description('the cardholder PIN: verify, change; reload or unblock with a PSAM; status')
    .addHelpText(
      'after',
      `
Examples:
  sscard pin verify --card card.json --pin 123456
  sscard pin change --card card.json --pin 123456 --new-pin 654321
  sscard pin reload --card card.json --psam psam.json --new-pin 123456
  sscard pin unblock --card card.json --psam psam.json
  sscard pin status --card card.json`,
    );
  for (const sub of SUBS) {
    const cmd = pin.command(sub.name).description(sub.description);
    for (const [flags, text] of sub.options) cmd.option(flags, text);
    addSsseOptions(cmd);
    cmd.addHelpText('after', `${SSSE_HELP}\n\nExamples:\n${sub.examples.map((e) => `  ${e}`).join('\n')}`);
    cmd.action(async (opts: PinOptions) => {
      await withSsseReader(cmd, opts, { requirePsam: sub.psam }, async (kernel) => {
        const r = await sub.run(kernel, opts);
        const success = ['verified', 'changed', 'reloaded', 'unblocked', 'pin-status'].includes(r.outcome);
        if (!success) refuse(opts, r);
        if (opts.json) {
          writeJson(r);
          return;
        }
        if (r.outcome === 'pin-status') {
          const s = r as unknown as { verified: boolean; triesLeft?: number };
          writeOut(s.verified ? 'PIN verified in this session\n' : `PIN not verified: ${s.triesLeft} tr${s.triesLeft === 1 ? 'y' : 'ies'} left\n`);
          return;
        }
        writeOut(`${sub.done}\n`);
      });
    });
  }
}
