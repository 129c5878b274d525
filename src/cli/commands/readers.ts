/**
 * `sscard readers`: the PC/SC readers pcscd knows, whether a card is present, and its ATR.
 */
import type { Command } from 'commander';
import { TransportError } from '../../apdu/transport.js';
import { listReaders } from '../../terminal/transports/pcsc.js';
import { FailureError } from '../errors.js';
import { writeJson, writeOut } from '../output.js';

export function register(program: Command): void {
  program
    .command('readers')
    .description('list PC/SC readers with card presence and ATR (needs pcscd and the pcsclite module)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
The index in the first column is what --reader <index> takes; a name (or a unique part of it) works too.
Readers "Virtual PCD 00 00" / "Virtual PCD 00 01" are vsmartcard's vpcd slots that \`sscard serve\` fills.

Examples:
  sscard readers
  sscard readers --json
  sscard apdu --reader 1 00A404000E315041592E5359532E4444463031`,
    )
    .action(async (opts: { json?: boolean }) => {
      let readers;
      try {
        readers = await listReaders();
      } catch (err) {
        if (err instanceof TransportError) throw new FailureError(err.message);
        throw err;
      }
      if (opts.json) {
        writeJson(readers);
        return;
      }
      if (readers.length === 0) {
        writeOut('no reader (pcscd is running but has no reader; for virtual readers install vsmartcard-vpcd)\n');
        return;
      }
      const width = Math.max(...readers.map((r) => r.name.length));
      for (const r of readers) {
        const card = r.cardPresent ? `card  ${r.atr ?? ''}` : 'empty';
        writeOut(`${r.index}  ${r.name.padEnd(width)}  ${card}\n`);
      }
    });
}
