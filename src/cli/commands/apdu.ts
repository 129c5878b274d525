/**
 * `sscard apdu`: send command APDUs to a simulated card or a card in a PC/SC reader and print each
 * response with its status word decoded. A status word is data: an error SW still exits 0; only usage
 * and transport failures exit non-zero.
 */
import type { Command } from 'commander';
import { fromHex, toHex } from '../../apdu/bytes.js';
import { CommandApdu } from '../../apdu/command-apdu.js';
import { ResponseApdu } from '../../apdu/response-apdu.js';
import { describeSw } from '../../apdu/status-word-table.js';
import { TransportError } from '../../apdu/transport.js';
import type { Logger } from '../../log.js';
import { FailureError, UsageError } from '../errors.js';
import { loggerFor } from '../logging.js';
import { cutWord, writeJson, writeOut } from '../output.js';
import { addTransportOptions, openTransport, TRANSPORT_HELP, type TransportOptionValues } from '../transport-options.js';

/** One exchange as `--json` prints it. */
export interface ApduExchange {
  command: string;
  response: string;
  data: string;
  sw: string;
  meaning: string;
}

/** Parses the hex arguments into command APDUs; a bad one is a UserError naming it. */
export function parseApduArgs(args: string[]): Uint8Array[] {
  if (args.length === 0) throw new UsageError('give at least one APDU in hex, e.g. 00A4040000');
  return args.map((text, i) => {
    const what = `APDU ${i + 1} ("${cutWord(text)}")`;
    let bytes: Uint8Array;
    try {
      bytes = fromHex(text, what);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    try {
      CommandApdu.parse(bytes);
    } catch (err) {
      throw new UsageError(`${what}: ${(err as Error).message}`);
    }
    return bytes;
  });
}

/** The status word with its meaning, e.g. "6982 security status not satisfied (安全状态不满足)". */
export function swMeaning(sw: number): string {
  return describeSw(sw);
}

function exchange(command: Uint8Array, response: Uint8Array): ApduExchange {
  const r = ResponseApdu.parse(response);
  const sw = toHex(Uint8Array.of(r.sw1, r.sw2));
  return { command: toHex(command), response: toHex(response), data: toHex(r.data), sw, meaning: swMeaning(r.sw) };
}

export function register(program: Command): void {
  const cmd = program
    .command('apdu')
    .description('send command APDUs (hex) to a card and print the responses with the status word decoded')
    .argument('<hex...>', 'command APDUs in hex, one argument each (spaces inside a quoted argument are allowed)')
    .option('--json', 'machine-readable output: a JSON array of exchanges');
  addTransportOptions(cmd);
  cmd.addHelpText(
    'after',
    `${TRANSPORT_HELP}

Output: "> command" then "< response  SW meaning" per APDU (response = data followed by SW1 SW2).
The exit code is 0 whatever the status words are (a status word is the card's answer, not a failure);
1 for a failure (reader, card file: missing, refused, in use, or a change that could not be saved —
then the card answered 6581, the file keeps the state before that APDU and the rest is not sent),
2 for usage.

Examples:
  sscard apdu --card card.json 00A404000E325041592E5359532E4444463031
  sscard apdu --card card.json --interface contactless 00A404000E325041592E5359532E4444463031
  sscard apdu --card card.json 00A4040008A000000333010101 "00B2 0114 00"
  sscard apdu --reader "Virtual PCD 00 01" --json 0084000008
  sscard apdu --reader 0 --trace apdu.jsonl 00A4000002EF05`,
  );
  cmd.action(async (hex: string[], opts: TransportOptionValues & { json?: boolean }, command: Command) => {
    const commands = parseApduArgs(hex);
    await sendAll(commands, opts, loggerFor(command));
  });
}

/**
 * Opens the card, sends the commands in order, prints each exchange, closes. Stops after an exchange
 * whose change the simulated card could not save (it answered 6581; the file kept the state before it):
 * that is a failure of the command (exit 1), not the card's answer.
 */
async function sendAll(commands: Uint8Array[], opts: TransportOptionValues & { json?: boolean }, log: Logger): Promise<void> {
  const opened = await openTransport(opts, log);
  const results: ApduExchange[] = [];
  try {
    for (const [i, command] of commands.entries()) {
      let response: Uint8Array;
      try {
        response = await opened.transport.transmit(command);
      } catch (err) {
        if (err instanceof TransportError) {
          if (!opts.json) writeOut(`> ${toHex(command)}\n`);
          throw new FailureError(`${opened.description}: ${err.message}`);
        }
        throw err;
      }
      const ex = exchange(command, response);
      results.push(ex);
      if (!opts.json) writeOut(`> ${ex.command}\n< ${ex.response}  ${ex.meaning}\n`);
      const failed = opened.saveError?.();
      if (failed) {
        const left = commands.length - i - 1;
        throw new FailureError(`${failed.message}${left ? ` (${left} more APDU${left > 1 ? 's' : ''} not sent)` : ''}`);
      }
      // Let timers run between APDUs (the card file's lock is refreshed by one).
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    if (opts.json) writeJson(results);
    await opened.close();
  }
}
