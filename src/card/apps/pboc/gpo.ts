/**
 * GET PROCESSING OPTIONS `80 A8 00 00 Lc 83 L PDOL-data 00` (EMV Book 3 §6.5.8; DOMAIN.md §2).
 *
 * Every GPO increments the ATC first (it never goes back; the runtime commits the state with the
 * response). Then:
 * - contact, or contactless with a reader asking for full PBOC: format 1 `80 | AIP | AFL` [R];
 * - contactless qPBOC (TTQ byte 1 b6): the card decides at once (choices.ts "qPBOC decision"): offline
 *   approval with EC and fDDA, online (ARQC) or decline (AAC), answered in format 2 `77 {…}`.
 */
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { CardError } from '../../runtime/card-error.js';
import { AFL, AIP, CARD_AUTH_DATA_VERSION, CID, CTQ, IAD, ICC_DYNAMIC_NUMBER_LENGTH, PDOL, TTQ, type CryptogramType } from './choices.js';
import { applicationCryptogram, atcBytes, buildCvr, buildIad } from './cryptogram.js';
import { fromN12, toN12 } from './amounts.js';
import { logTransaction } from './logs.js';
import { signDynamicData } from './oda.js';
import type { PbocPort } from './port.js';
import { ATC_MAX, type PbocSession } from './state.js';
import { trackData } from './card-data.js';
import { constructed, dolLength, parseDol, splitDolData, tlv } from './tlv.js';

const PDOL_ENTRIES = parseDol(PDOL);
const PDOL_LENGTH = dolLength(PDOL_ENTRIES);

function bit(value: string | undefined, [byte, mask]: readonly [number, number]): boolean {
  if (!value) return false;
  const b = fromHex(value);
  return ((b[byte] ?? 0) & mask) !== 0;
}

/** Parses the command template 83 into the PDOL items. */
function pdolData(cmd: CommandApdu): Record<string, string> {
  const data = cmd.data;
  if (data.length < 2 || data[0] !== 0x83 || data[1] !== data.length - 2) throw new CardError(SW.WRONG_DATA);
  if (data.length - 2 !== PDOL_LENGTH) throw new CardError(SW.WRONG_LENGTH);
  return splitDolData(PDOL_ENTRIES, data.subarray(2));
}

function clearSession(session: PbocSession): void {
  for (const k of Object.keys(session) as Array<keyof PbocSession>) delete session[k];
}

/** Handles GET PROCESSING OPTIONS. */
export function getProcessingOptions(cmd: CommandApdu, port: PbocPort): ResponseApdu {
  if (cmd.p1 !== 0x00 || cmd.p2 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
  const pdol = pdolData(cmd);
  if (port.state.atc >= ATC_MAX) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  const state = port.editFields();
  state.atc += 1;
  state.scriptCommands = 0;
  state.scriptFailed = false;
  const atc = state.atc;
  clearSession(port.session);
  const qpboc = port.iface === 'contactless' && bit(pdol['9F66'], TTQ.qpboc);
  port.session.gpo = { iface: port.iface, path: qpboc ? 'qpboc' : 'contact', atc, pdol };
  if (!qpboc) {
    // format 1: 80 | AIP | AFL
    return ResponseApdu.of(tlv('80', concat(fromHex(AIP), fromHex(AFL))), SW.OK);
  }
  return qpbocDecision(port, pdol, atc);
}

/** The qPBOC card decision (choices.ts) and its format 2 answer. */
function qpbocDecision(port: PbocPort, pdol: Record<string, string>, atc: number): ResponseApdu {
  const state = port.edit();
  const amount = fromN12(fromHex(pdol['9F02'] ?? '')) ?? Number.MAX_SAFE_INTEGER;
  const offlineOnlyReader = bit(pdol['9F66'], TTQ.offlineOnly);
  const onlineRequired = bit(pdol['9F66'], TTQ.onlineCryptogramRequired) || (pdol['5F2A'] ?? '') !== state.ec.currency;
  const fdda = bit(pdol['9F66'], TTQ.fddaSupported);
  let type: CryptogramType;
  if (state.blocked || state.cardBlocked) type = 'AAC';
  else if (onlineRequired) type = offlineOnlyReader ? 'AAC' : 'ARQC';
  else if (fdda && amount <= state.ec.balance && amount <= state.ec.singleLimit) type = 'TC';
  else type = offlineOnlyReader ? 'AAC' : 'ARQC';

  const aip = fromHex(AIP);
  const cvr = buildCvr(state, port.session, type);
  const { track2, psn } = trackData(port);
  const common = [tlv('82', aip), tlv('9F36', atcBytes(atc))];
  const ctq = fromHex(CTQ);
  let items: Uint8Array[];
  if (type === 'TC') {
    state.ec.balance -= amount;
    const ac = applicationCryptogram(state, atc, pdol, aip, cvr);
    const iad = buildIad(state, atc, IAD.cvn.qpboc, cvr, state.ec.balance);
    const cardUn = port.random(ICC_DYNAMIC_NUMBER_LENGTH);
    const cardAuthData = concat(Uint8Array.of(CARD_AUTH_DATA_VERSION), cardUn, ctq);
    const terminalData = concat(fromHex(pdol['9F37']!), fromHex(pdol['9F02']!), fromHex(pdol['5F2A']!), cardAuthData);
    const sdad = signDynamicData(state, cardUn, terminalData, port.random);
    port.session.gac1 = { type, ac: toHex(ac), atc, cdol1: pdol };
    logTransaction(port, pdol, atc);
    items = [
      ...common,
      tlv('94', fromHex(AFL)),
      tlv('9F27', Uint8Array.of(CID.TC)),
      tlv('9F26', ac),
      tlv('9F10', iad),
      tlv('57', track2),
      tlv('5F34', psn),
      tlv('9F4B', sdad),
      tlv('9F69', cardAuthData),
      tlv('9F6C', ctq),
      tlv('9F5D', toN12(state.ec.balance)),
    ];
  } else {
    const ac = applicationCryptogram(state, atc, pdol, aip, cvr);
    const iad = buildIad(state, atc, IAD.cvn.qpboc, cvr);
    // a qPBOC ARQC is authorised without a second cryptogram: no "online in progress" flag
    port.session.gac1 = { type, ac: toHex(ac), atc, cdol1: pdol };
    items = [...common, tlv('9F27', Uint8Array.of(CID[type])), tlv('9F26', ac), tlv('9F10', iad), tlv('57', track2), tlv('5F34', psn), tlv('9F6C', ctq)];
  }
  return ResponseApdu.of(constructed('77', ...items), SW.OK);
}
