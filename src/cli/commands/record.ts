/**
 * `sscard record --reader r --out session.jsonl -- <sscard terminal command …>`: runs any sscard command
 * that talks to a card (`read`, `apdu`, `script`, `issuer …`) with the card of `--reader`/`--card`, and
 * records its whole session — every exchange on the wire, the ATR, resets — to `--out`, so that
 * `sscard serve --replay session.jsonl` can answer as that card did (a field problem reproduced without
 * the card). The exit code is the recorded command's.
 */
import { closeSync, ftruncateSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { CardInterface } from '../../spec/card-interface.js';
import { ExitCode, UsageError } from '../errors.js';
import { openOutputFile } from '../output-files.js';

interface RecordOptions {
  card?: string;
  reader?: string;
  interface?: CardInterface;
  out: string;
}

/** The sub-command an argument list names (`issuer show …` → the `show` command of `issuer`). */
function leafCommand(program: Command, args: readonly string[]): Command | undefined {
  let cmd: Command = program;
  let found = false;
  for (const arg of args) {
    const next = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!next) break;
    cmd = next;
    found = true;
  }
  return found ? cmd : undefined;
}

const CARD_OPTIONS = ['--card', '--reader', '--interface', '--record'];

export function register(program: Command): void {
  program
    .command('record')
    .description('record the card session of any sscard terminal command, for sscard serve --replay')
    .argument('<command...>', 'the sscard command to run and record, after "--" (e.g. -- read --json)')
    .addOption(new Option('--card <file>', 'simulated card image').conflicts('reader'))
    .addOption(new Option('--reader <name|index>', 'PC/SC reader holding the card to record').conflicts('card'))
    .addOption(new Option('--interface <iface>', 'interface (with --card)').choices(['contact', 'contactless']))
    .requiredOption('--out <session.jsonl>', 'the session file to write (replaced)')
    .addHelpText(
      'after',
      `
The command after "--" is run as usual, with the card given here (do not repeat --card/--reader
after "--"). Every exchange with the card — and with the PSAM, when the command uses one — is written
to --out in the trace format, with the ATR: \`sscard trace session.jsonl\` shows it decoded, and
\`sscard serve --replay session.jsonl\` serves a card that answers as the recorded one did
(docs/qa-scripts.md, "Record and replay"). The exit code is the recorded command's.

Examples:
  sscard record --reader "ACS ACR39U" --out field-card.jsonl -- read --json
  sscard record --reader 0 --out s.jsonl -- read --psam-reader 1 --pin 123456
  sscard record --card card.json --out s.jsonl -- apdu 00A404000F7378312E73682EC9E7BBE1B1A3D5CF 00B2012800
  sscard serve --replay s.jsonl        # then: sscard read --reader "Virtual PCD 00 00"`,
    )
    .action(async (args: string[], opts: RecordOptions) => {
      if (!opts.card && !opts.reader) throw new UsageError('say which card to record: --card <file> or --reader <name|index>');
      const leaf = leafCommand(program, args);
      if (!leaf || leaf.name() === 'record') throw new UsageError(`"${args.join(' ')}" is not an sscard command to record (e.g. -- read, -- apdu 00A4040000)`);
      const takes = (flag: string) => leaf.options.some((o) => o.long === flag);
      const path: string[] = [];
      for (let c: Command | null = leaf; c && c !== program; c = c.parent) path.unshift(c.name());
      if (!takes('--record')) throw new UsageError(`sscard ${path.join(' ')} does not talk to a card: nothing to record (record a terminal command: read, apdu, script …)`);
      const repeated = args.find((a) => CARD_OPTIONS.includes(a.split('=')[0]!));
      if (repeated) throw new UsageError(`give ${repeated.split('=')[0]} to sscard record, not after "--"`);
      // never onto the card image; emptied now: the recording appends to it
      const fd = openOutputFile(opts.out, '--out', opts.card ? [opts.card] : []);
      ftruncateSync(fd, 0);
      closeSync(fd);
      const inner = [
        ...args,
        ...(opts.card ? ['--card', opts.card] : ['--reader', opts.reader!]),
        ...(opts.interface ? ['--interface', opts.interface] : []),
        '--record',
        opts.out,
      ];
      // Loaded here: main imports this module's register function.
      const { main } = await import('../main.js');
      const code = await main(['node', 'sscard', ...inner]);
      // The recorded command printed its own messages; pass its exit code on without another one.
      if (code !== 0) throw new ExitCode(code);
    });
}
