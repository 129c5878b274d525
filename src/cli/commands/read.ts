/**
 * `sscard read`: read a social-security card as hospital software does (LD/T 33 iReadCardBas): the card
 * check, the basic information decoded (and, with --pin, the medical-insurance files of DF04), then the
 * iReadCardBas line last.
 */
import type { Command } from 'commander';
import { systemClock } from '../../env.js';
import { addSsseOptions, pinOption, refuse, SSSE_HELP, table, withSsseReader, type SsseOptionValues } from '../ssse-cli.js';
import { writeJson, writeOut } from '../output.js';
import { basicJson, basicRows, medicalJson, medicalRows } from '../ssse-views.js';
import { UsageError } from '../errors.js';

interface ReadOptions extends SsseOptionValues {
  pin?: string;
  deviceNumber?: string;
}

const CHECK_TEXT = {
  authentic: 'authentic (INTERNAL AUTHENTICATE verified by the PSAM; not blacklisted)',
  unchecked: 'NOT CHECKED (no PSAM: authenticity unknown; not blacklisted)',
} as const;

export function register(program: Command): void {
  const cmd = program
    .command('read')
    .description('read a social-security card: card check, basic information decoded, the iReadCardBas line')
    .option('--pin <digits>', 'the cardholder PIN: also read the medical-insurance files (DF04)')
    .option('--device-number <id>', '终端设备号 of the iReadCardBas line (the reader\'s device number; default empty)');
  addSsseOptions(cmd);
  cmd.addHelpText(
    'after',
    `${SSSE_HELP}

Output: the card check, the decoded fields (codes with their names, dates as YYYY-MM-DD), then, as the
LAST line, the iReadCardBas line of the LD/T 33 terminal interface:
  区划|社会保障号码|卡号|卡识别码|姓名|ATR历史字节|规范版本|发卡日期|有效期|终端机编号|终端设备号|
(终端机编号 is the PSAM's terminal number; empty without a PSAM.) --json gives the same as one object.

Examples:
  sscard read --card card.json
  sscard read --card card.json --psam psam.json --pin 123456
  sscard read --card card.json --interface contactless
  sscard read --reader "Virtual PCD 00 00" --psam-reader "Virtual PCD 00 01" --json
  sscard read --card card.json --psam psam.json --blacklist blacklist.txt
  sscard read --card card.json | tail -1          # just the iReadCardBas line`,
  );
  cmd.action(async (opts: ReadOptions) => {
    const pin = opts.pin === undefined ? undefined : pinOption(opts.pin, '--pin');
    if (opts.deviceNumber !== undefined && !/^[0-9A-Za-z-]{1,32}$/.test(opts.deviceNumber)) {
      throw new UsageError('--device-number must be 1 to 32 letters, digits or -');
    }
    await withSsseReader(cmd, opts, opts.deviceNumber ? { deviceNumber: opts.deviceNumber } : {}, async (kernel) => {
      const basic = await kernel.readBasicInformation();
      if (basic.outcome !== 'read') refuse(opts, basic);
      const medical = pin === undefined ? undefined : await kernel.readMedical(pin);
      if (medical && medical.outcome !== 'read') refuse(opts, medical, { check: basic.check, basic: basicJson(basic.basic), iReadCardBas: basic.iReadCardBas, medical });
      const out = (s: string) => writeOut(`${s}\n`);
      if (opts.json) {
        writeJson({
          outcome: 'read',
          check: basic.check,
          basic: basicJson(basic.basic),
          terminal: basic.terminal,
          ...(medical && medical.outcome === 'read' ? { medical: medicalJson(medical.medical, medical.offline, medical.offlineUnavailable) } : {}),
          iReadCardBas: basic.iReadCardBas,
        });
        return;
      }
      out(table([['卡检查 card check', CHECK_TEXT[basic.check]], ...(basic.terminal.terminalNumber ? [['终端机编号 PSAM terminal', basic.terminal.terminalNumber] as [string, string]] : [])]));
      out('');
      out(table(basicRows(basic.basic, systemClock.now())));
      if (medical && medical.outcome === 'read') {
        out('');
        out('医疗保险 (DF04)');
        out(table(medicalRows(medical.medical, medical.offline, medical.offlineUnavailable), '  '));
      }
      out('');
      out(basic.iReadCardBas);
    });
  });
}
