/**
 * GENERATE AC `80 AE P1 00 Lc CDOL-data` (EMV Book 3 §6.5.5) and EXTERNAL AUTHENTICATE
 * `00 82 00 00 0A ARPC ‖ ARC` (§6.5.4), contact and full-PBOC contactless paths.
 *
 * First GENERATE AC (CDOL1): the card answers at most what the terminal asks (AAC < TC < ARQC) after
 * its risk rules (choices.ts DEFAULT_RISK [R]). Second GENERATE AC (CDOL2, after an ARQC): TC when the
 * terminal asks for it, the ARC is an approval and the issuer was authenticated (EXTERNAL AUTHENTICATE
 * or tag 91 in CDOL2); AAC otherwise. Answer format 2 `77 { 9F27 9F36 9F26 9F10 }` [R].
 */
import { fromHex, toHex } from '../../../apdu/bytes.js';
import type { CommandApdu } from '../../../apdu/command-apdu.js';
import { ResponseApdu } from '../../../apdu/response-apdu.js';
import { SW } from '../../../apdu/status-words.js';
import { CardError } from '../../runtime/card-error.js';
import { AIP, APPROVED_ARCS, CDOL1, CDOL2, CID, IAD, type CryptogramType } from './choices.js';
import { applicationCryptogram, arpcValid, atcBytes, buildCvr, buildIad } from './cryptogram.js';
import { fromN12 } from './amounts.js';
import { logTransaction } from './logs.js';
import type { PbocPort } from './port.js';
import { constructed, dolLength, parseDol, splitDolData, tlv } from './tlv.js';

const CDOL1_ENTRIES = parseDol(CDOL1);
const CDOL2_ENTRIES = parseDol(CDOL2);
const REQUEST: Record<number, CryptogramType | undefined> = { 0x00: 'AAC', 0x40: 'TC', 0x80: 'ARQC' };

/** The CDOL data of a GENERATE AC, strictly: exactly the length the CDOL asks for, else 6700. */
function cdolData(entries: ReturnType<typeof parseDol>, data: Uint8Array): Record<string, string> {
  if (data.length !== dolLength(entries)) throw new CardError(SW.WRONG_LENGTH);
  return splitDolData(entries, data);
}

function answer(type: CryptogramType, atc: number, ac: Uint8Array, iad: Uint8Array): ResponseApdu {
  return ResponseApdu.of(
    constructed('77', tlv('9F27', Uint8Array.of(CID[type])), tlv('9F36', atcBytes(atc)), tlv('9F26', ac), tlv('9F10', iad)),
    SW.OK,
  );
}

/** The card's first-AC decision [R]. */
function firstAcDecision(port: PbocPort, requested: CryptogramType, terminal: Record<string, string>): CryptogramType {
  const state = port.state;
  if (state.blocked || state.cardBlocked || requested === 'AAC') return 'AAC';
  if (requested === 'ARQC') return 'ARQC';
  const amount = fromN12(fromHex(terminal['9F02'] ?? '')) ?? Number.MAX_SAFE_INTEGER;
  const goOnline =
    state.pin.triesLeft === 0 ||
    state.onlineInProgress ||
    state.atc - state.lastOnlineAtc > state.risk.consecutiveOfflineLimit ||
    amount > state.risk.offlineAmountLimit;
  return goOnline ? 'ARQC' : 'TC';
}

/** Handles GENERATE AC (first or second). */
export function generateAc(cmd: CommandApdu, port: PbocPort): ResponseApdu {
  const session = port.session;
  const state = port.state; // read only; edits go through port.edit() where the state changes
  if (cmd.p2 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
  const requested = REQUEST[cmd.p1 & 0xc0];
  if (requested === undefined) throw new CardError(SW.INCORRECT_P1P2);
  const gpo = session.gpo;
  if (!gpo || gpo.path !== 'contact' || session.gac2) throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  const aip = fromHex(AIP);
  const atc = gpo.atc;

  if (!session.gac1) {
    const terminal = cdolData(CDOL1_ENTRIES, cmd.data);
    const type = firstAcDecision(port, requested, terminal);
    const cvr = buildCvr(state, session, type);
    const ac = applicationCryptogram(state, atc, terminal, aip, cvr);
    session.gac1 = { type, ac: toHex(ac), atc, cdol1: terminal };
    if (type === 'ARQC' && !state.onlineInProgress) port.edit().onlineInProgress = true;
    if (type === 'TC') logTransaction(port, terminal, atc);
    return answer(type, atc, ac, buildIad(state, atc, IAD.cvn.contact, cvr));
  }

  if (session.gac1.type !== 'ARQC') throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  const cdol2 = cdolData(CDOL2_ENTRIES, cmd.data);
  const arc = cdol2['8A']!;
  const issuerData = fromHex(cdol2['91'] ?? '');
  if (session.issuerAuth === undefined && issuerData.some((b) => b !== 0)) {
    session.issuerAuth = arpcValid(state, atc, fromHex(session.gac1.ac), issuerData.subarray(0, 8), issuerData.subarray(8, 10)) ? 'ok' : 'failed';
  }
  const approved = (APPROVED_ARCS as readonly string[]).includes(arc);
  const type: CryptogramType =
    requested === 'AAC' || !approved || session.issuerAuth !== 'ok' || state.blocked || state.cardBlocked ? 'AAC' : 'TC';
  session.gac2 = { type };
  if (session.issuerAuth === 'ok') {
    const edited = port.edit();
    edited.lastOnlineAtc = atc;
    edited.onlineInProgress = false;
    edited.lastIssuerAuthFailed = false;
  } else if (session.issuerAuth === 'failed') {
    port.edit().lastIssuerAuthFailed = true;
  }
  const now = port.state;
  const cvr = buildCvr(now, session, session.gac1.type, type);
  const terminal = { ...session.gac1.cdol1, '95': cdol2['95']!, '9F37': cdol2['9F37']! };
  const ac = applicationCryptogram(now, atc, terminal, aip, cvr, fromHex(arc));
  if (type === 'TC') logTransaction(port, session.gac1.cdol1, atc);
  return answer(type, atc, ac, buildIad(now, atc, IAD.cvn.contact, cvr));
}

/** EXTERNAL AUTHENTICATE with ARPC ‖ ARC (once per transaction, after an ARQC). 6300 when wrong. */
export function externalAuthenticate(cmd: CommandApdu, port: PbocPort): ResponseApdu {
  const session = port.session;
  if (cmd.p1 !== 0x00 || cmd.p2 !== 0x00) throw new CardError(SW.INCORRECT_P1P2);
  if (cmd.nc !== 10) throw new CardError(SW.WRONG_LENGTH);
  if (!session.gac1 || session.gac1.type !== 'ARQC' || session.gac2 || session.issuerAuth !== undefined) {
    throw new CardError(SW.CONDITIONS_NOT_SATISFIED);
  }
  const data = cmd.data;
  const ok = arpcValid(port.state, session.gac1.atc, fromHex(session.gac1.ac), data.subarray(0, 8), data.subarray(8, 10));
  session.issuerAuth = ok ? 'ok' : 'failed';
  session.arc = toHex(data.subarray(8, 10));
  if (!ok) throw new CardError(0x6300, { keepChanges: true });
  return ResponseApdu.status(SW.OK);
}
