/**
 * The BER-TLV and DOL operations the financial application uses (EMV Book 3 Annex B, §5.4), taken from
 * the shared strict TLV layer (src/apdu/tlv) under the names the application's modules import.
 */
export { constructed, decodeTlv, findTag, tlv, type Tlv as TlvNode } from '../../../apdu/tlv/ber-tlv.js';
export { buildDolData, dolLength, parseDol, parseDolData as splitDolData, type DolEntry } from '../../../apdu/tlv/dol.js';
