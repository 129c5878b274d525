/**
 * The names of the commands sscard's cards and PSAMs answer, as ONE table: ISO/IEC 7816-4
 * interindustry commands, the social-security (SSSE) commands of LD/T 32.5, the medical-debit commands
 * of DF04, the PSAM's commands (LD/T 32.7 / 32.9, src/spec/ssse/psam.ts), the PBOC 3.0 / EMV commands
 * (JR/T 0025.5, EMV 4.3 Book 3 §6.5) with their issuer-script commands, and the PKI application's
 * (ISO/IEC 7816-8). Traces, scripts and trace diffs name commands through {@link commandName}.
 *
 * A row matches on CLA and INS, and on P1 where P1 changes the meaning (CHANGE/RELOAD PIN, the PSAM's
 * CIPHER DATA / MAC, VERIFY MAC2 / TAC). The rows with a P1 are tried first. The same INS under a
 * proprietary CLA (80, 84, B0, BF) is a different command: CLA is always part of the key.
 */

/** Which part of the system defines a command. */
export type CommandFamily = 'iso' | 'ssse' | 'medical' | 'psam' | 'pboc' | 'pki';

export interface CommandName {
  /** English name, upper case as the specifications write it: `READ RECORD`. */
  name: string;
  /** Chinese name as the Chinese specifications write it: `读记录`. */
  zh: string;
  family: CommandFamily;
  /** Where the command is defined. */
  spec: string;
}

interface Row extends CommandName {
  cla: readonly number[];
  ins: number;
  p1?: number;
}

const ISO = 'ISO/IEC 7816-4';
const SSSE = 'LD/T 32.5';
const PSAM = 'LD/T 32.7 / LD/T 32.9 (docs/psam.md)';
const EMV = 'EMV 4.3 Book 3 §6.5';
const PBOC = 'JR/T 0025.5';

// [cla…], ins, p1 (or undefined), name, zh, family, spec
const ROWS: ReadonlyArray<readonly [readonly number[], number, number | undefined, string, string, CommandFamily, string]> = [
  // ISO/IEC 7816-4 interindustry commands (CLA 00; 04 with secure messaging)
  [[0x00], 0xa4, undefined, 'SELECT', '选择文件', 'iso', `${ISO} §11.1 / ${EMV}.12`],
  [[0x00, 0x04], 0xb0, undefined, 'READ BINARY', '读二进制', 'iso', `${ISO} §11.2`],
  [[0x00, 0x04], 0xd6, undefined, 'UPDATE BINARY', '修改二进制', 'iso', `${ISO} §11.2`],
  [[0x00, 0x04], 0xb2, undefined, 'READ RECORD', '读记录', 'iso', `${ISO} §11.3 / ${EMV}.11`],
  [[0x00, 0x04], 0xdc, undefined, 'UPDATE RECORD', '修改记录', 'iso', `${ISO} §11.3 / ${SSSE}`],
  [[0x00, 0x04], 0xe2, undefined, 'APPEND RECORD', '追加记录', 'iso', `${ISO} §11.3`],
  [[0x00], 0x84, undefined, 'GET CHALLENGE', '取随机数', 'iso', `${ISO} §11.5 / ${EMV}.6`],
  [[0x00], 0x20, undefined, 'VERIFY', '校验', 'iso', `${ISO} §11.5 / ${EMV}.13`],
  [[0x00], 0x88, undefined, 'INTERNAL AUTHENTICATE', '内部认证', 'iso', `${ISO} §11.5 / ${EMV}.9 / ${SSSE}`],
  [[0x00], 0x82, undefined, 'EXTERNAL AUTHENTICATE', '外部认证', 'iso', `${ISO} §11.5 / ${EMV}.4 / ${SSSE}`],
  [[0x00], 0xc0, undefined, 'GET RESPONSE', '取响应', 'iso', 'ISO/IEC 7816-4 (transmission handling); ISO/IEC 7816-3 §12.2'],
  // SSSE (LD/T 32.5) proprietary commands
  [[0x80], 0x5e, 0x01, 'CHANGE PIN', '修改个人密码', 'ssse', SSSE],
  [[0x80], 0x5e, 0x00, 'RELOAD PIN', '重装个人密码', 'ssse', SSSE],
  [[0x84], 0x24, undefined, 'PIN CHANGE/UNBLOCK', '个人密码修改/解锁', 'ssse', `${SSSE} / ${EMV}.10`],
  [[0x84], 0x1e, undefined, 'APPLICATION BLOCK', '应用锁定', 'ssse', `${SSSE} / ${EMV}.1`],
  [[0x84], 0x18, undefined, 'APPLICATION UNBLOCK', '应用解锁', 'ssse', `${SSSE} / ${EMV}.2`],
  [[0x84], 0x16, undefined, 'CARD BLOCK', '卡片锁定', 'ssse', `${SSSE} / ${EMV}.3`],
  // medical-insurance offline debit in DF04 (LD/T 32.5; docs/ssse.md)
  [[0xb0], 0x28, undefined, 'INITIALIZE MEDICAL DEBIT', '医保消费初始化', 'medical', SSSE],
  [[0xb0], 0x2c, undefined, 'MEDICAL DEBIT', '医保消费', 'medical', SSSE],
  [[0xb0], 0x26, undefined, 'GET BALANCE', '读余额', 'medical', SSSE],
  [[0xb0], 0x2e, undefined, 'GET TRANSACTION PROOF', '取交易认证', 'medical', SSSE],
  // the PSAM (src/spec/ssse/psam.ts)
  [[0xbf], 0xde, 0x48, 'DELIVER KEY', '密钥分散', 'psam', PSAM],
  [[0xbf], 0xde, 0x49, 'DELIVER SESSION KEY', '过程密钥分散', 'psam', PSAM],
  [[0x80], 0xfa, 0x00, 'CIPHER DATA', '加密', 'psam', PSAM],
  [[0x80], 0xfa, 0x05, 'MAC', '计算MAC', 'psam', PSAM],
  [[0x80], 0x70, undefined, 'MAC1', '计算MAC1', 'psam', PSAM],
  [[0x80], 0x72, 0x00, 'VERIFY MAC2', '校验MAC2', 'psam', PSAM],
  [[0x80], 0x72, 0x01, 'VERIFY TAC', '校验TAC', 'psam', PSAM],
  // PBOC 3.0 / EMV
  [[0x80], 0xa8, undefined, 'GET PROCESSING OPTIONS', '获取处理选项', 'pboc', `${EMV}.8 / ${PBOC}`],
  [[0x80], 0xae, undefined, 'GENERATE AC', '生成应用密文', 'pboc', `${EMV}.5 / ${PBOC}`],
  [[0x80], 0xca, undefined, 'GET DATA', '取数据', 'pboc', `${EMV}.7 / ${PBOC}`],
  [[0x04], 0xda, undefined, 'PUT DATA', '写数据', 'pboc', 'JR/T 0025.13 (electronic cash load) / EMV 4.3 Book 3 §10.10'],
  // PKI (ISO/IEC 7816-8; docs/pki.md)
  [[0x00], 0x2a, undefined, 'PSO: COMPUTE DIGITAL SIGNATURE', '计算数字签名', 'pki', 'ISO/IEC 7816-8 §5.4'],
  [[0x80], 0xc9, undefined, 'GET PUBLIC KEY', '读公钥', 'pki', 'vendor command (DOMAIN.md §1.5; docs/pki.md)'],
];

const TABLE: readonly Row[] = ROWS.map(([cla, ins, p1, name, zh, family, spec]) =>
  Object.freeze({ cla, ins, ...(p1 === undefined ? {} : { p1 }), name, zh, family, spec }),
);

const key = (cla: number, ins: number, p1?: number) => (p1 === undefined ? `${cla}:${ins}` : `${cla}:${ins}:${p1}`);

const BY_KEY: ReadonlyMap<string, CommandName> = (() => {
  const map = new Map<string, CommandName>();
  for (const row of TABLE) {
    for (const cla of row.cla) {
      const k = key(cla, row.ins, row.p1);
      if (map.has(k)) throw new Error(`command-names: two rows for ${k}`);
      const { name, zh, family, spec } = row;
      map.set(k, { name, zh, family, spec });
    }
  }
  return map;
})();

/**
 * The name of a command from its header bytes, or undefined when the table does not know it. A CLA with
 * logical-channel bits (ISO/IEC 7816-4 §5.4.1: 01-03, 05-07 …) is looked up with them cleared.
 */
export function commandName(cla: number, ins: number, p1: number): CommandName | undefined {
  const base = (cla & 0x80) === 0 ? cla & 0xfc : cla;
  return BY_KEY.get(key(base, ins, p1)) ?? BY_KEY.get(key(base, ins));
}

/** `READ RECORD`, or `CLA 80 INS 12` for a command the table does not know. */
export function commandLabel(cla: number, ins: number, p1: number): string {
  return commandName(cla, ins, p1)?.name ?? `CLA ${hex2(cla)} INS ${hex2(ins)}`;
}

/** Every named command (one entry per CLA), for docs and tests. */
export const KNOWN_COMMANDS: ReadonlyArray<CommandName & { cla: number; ins: number; p1?: number }> = TABLE.flatMap((row) =>
  row.cla.map((cla) => ({ cla, ins: row.ins, ...(row.p1 === undefined ? {} : { p1: row.p1 }), name: row.name, zh: row.zh, family: row.family, spec: row.spec })),
);

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
