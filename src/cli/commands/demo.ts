/**
 * `sscard demo`: personalise a card (and a PSAM) on embedded defaults and drive the card through its
 * applications with the APDUs printed — the first thing to run after `npm install`. The social-security
 * part runs on the SSSE reader kernel (terminal/flows/card-tour.ts `ssseTour`).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { toHex } from '../../apdu/bytes.js';
import { getResponseLayer } from '../../apdu/layers/get-response.js';
import { describeSw } from '../../apdu/status-word-table.js';
import { layered, type Transport, type TransportLayer } from '../../apdu/transport.js';
import { createCard, writeFileAtomic } from '../../card/index.js';
import { personalizePsam } from '../../card/apps/psam/index.js';
import { personalize } from '../../card/personalize/personalize.js';
import { testCaChain } from '../../card/personalize/pki.js';
import { sampleHolder } from '../../card/personalize/sample-holder.js';
import { seededRandom, systemClock } from '../../env.js';
import { silentLogger } from '../../log.js';
import { PsamClient } from '../../terminal/psam/psam-client.js';
import { SimulatedReader } from '../../terminal/readers/simulated.js';
import { withLayers } from '../../terminal/reader.js';
import { SimulatedTransport } from '../../card/simulated-transport.js';
import { contactlessTour, ssseTour, TourError, type TourReport } from '../../terminal/flows/card-tour.js';
import { buildTrustStore, SsseReader } from '../../terminal/kernels/ssse-reader/index.js';
import { table } from '../ssse-cli.js';
import { FailureError, UsageError } from '../errors.js';
import { writeOut } from '../output.js';
import { loadProfile } from './card.js';

/** A layer that prints every exchange as `> command` / `< response  SW meaning`. */
function printLayer(out: (line: string) => void): TransportLayer {
  return (inner: Transport): Transport => ({
    async transmit(command) {
      out(`    > ${toHex(command)}`);
      const response = await inner.transmit(command);
      const sw = (response[response.length - 2]! << 8) | response[response.length - 1]!;
      out(`    < ${toHex(response.subarray(0, response.length - 2)) || '(no data)'}  ${describeSw(sw)}`);
      return response;
    },
  });
}

function printReport(out: (line: string) => void, report: TourReport): void {
  out('');
  out(`  ${report.title}`);
  out(table(report.facts, '    '));
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('personalise a card in memory and run it through its applications, printing every APDU')
    .option('--profile <name|file>', 'card profile to personalise (bundled: shanghai, sichuan, gen2-3des)', 'shanghai')
    .option('--seed <n>', 'seed of the (NOT secure) random source, for a repeatable run', '2026')
    .option('--no-apdus', 'print only what each step found, not the APDUs')
    .option('--out <file>', 'also save the card image there (then try: sscard card show <file>)')
    .addHelpText(
      'after',
      `
Steps, through the social-security reader kernel (docs/ssse-reader.md) with a PSAM of the same
profile: the card check (INTERNAL AUTHENTICATE -> EF05 -> blacklist), the basic information and the
iReadCardBas line, the medical-insurance files behind the PIN (DF04), an offline medical debit of 1.00,
PKI identity authentication (certificate -> trusted root, PKI PIN, SM2 signature of a challenge); then
the financial application over the contactless interface (PPSE, EC balance).

Examples:
  sscard demo
  sscard demo --profile sichuan --no-apdus
  sscard demo --out card.json && sscard card show card.json`,
    )
    .action(async (opts: { profile: string; seed: string; apdus: boolean; out?: string }) => {
      if (!/^\d+$/.test(opts.seed) || Number(opts.seed) > 0xffffffff) throw new UsageError(`--seed must be an integer 0..4294967295, got "${opts.seed}"`);
      const out = (line: string) => writeOut(`${line}\n`);
      const random = seededRandom(Number(opts.seed));
      const clock = systemClock;
      const profile = loadProfile(opts.profile);
      const holder = sampleHolder(profile, random);
      out(`Personalising a ${profile.name} card for ${holder.name} (card number ${holder.cardNumber}) …`);
      const image = personalize(profile, holder, { random, clock });
      if (opts.out) {
        if (existsSync(opts.out)) throw new UsageError(`${opts.out} exists: choose another --out (the demo never overwrites a card)`);
        try {
          writeFileAtomic(opts.out, `${JSON.stringify(image, null, 1)}\n`);
        } catch (err) {
          throw new FailureError(`cannot write ${opts.out}: ${(err as Error).message}`);
        }
        out(`Card image saved to ${opts.out}`);
      }
      const card = createCard(image, { random, clock, log: silentLogger() });
      const traced = (t: Transport) => (opts.apdus ? layered(t, printLayer(out), getResponseLayer()) : layered(t, getResponseLayer()));
      // The PSAM of the card check: a PSAM image of the same profile, on the same card runtime (docs/psam.md).
      const psamReader = new SimulatedReader(createCard(personalizePsam(profile, { random }), { random, clock, log: silentLogger() }), { name: 'PSAM' });
      await psamReader.connect('contact');
      const psam = new PsamClient(opts.apdus ? withLayers(psamReader, printLayer((line) => out(`  PSAM${line}`))) : psamReader);

      try {
        const contact = new SimulatedReader(card, { name: 'card' });
        const atr = await contact.connect('contact');
        out(`\nContact interface: ATR ${toHex(atr)} (${profile.protocol})`);
        const ca = profile.pki ? testCaChain(profile) : undefined;
        // the terminal's trust: the profile's TEST root, configured on the terminal (never taken from the card)
        const trust = ca ? buildTrustStore({ roots: { text: ca.root.pem, source: 'test root' }, intermediates: { text: ca.issuing.pem, source: 'test issuing CA' } }) : undefined;
        const kernel = new SsseReader(opts.apdus ? withLayers(contact, printLayer(out)) : contact, { random, clock, psam });
        const tour = await ssseTour({ kernel, pin: profile.defaultPin, ...(trust ? { trust } : {}), onReport: (r) => printReport(out, r) });
        if (tour.failed) throw new FailureError(`demo step failed: ${tour.failed}`);
        await contact.disconnect();
        if (card.interfaces.includes('contactless')) {
          const rf = new SimulatedTransport(card, { interface: 'contactless' });
          out(`\nContactless interface: ATR ${toHex(rf.atr)}`);
          printReport(out, await contactlessTour(traced(rf)));
        }
        out('\nDone. Next: `sscard card new --profile shanghai --out card.json`, then `sscard apdu --card card.json 00A404000F7378312E73682EC9E7BBE1B1A3D5CF`,');
        out('or put the card into pcscd with `sscard serve --card card.json` (see README).');
      } catch (err) {
        if (err instanceof TourError) throw new FailureError(`demo step failed: ${err.message}`);
        throw err;
      }
    });
}
