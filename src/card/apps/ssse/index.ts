/**
 * The social-security application (SSSE): the file tree as data (files.ts), the data items
 * (data-items.ts) and DF04's offline medical debit (the only SSSE `Application`; everything else is the
 * card OS's ISO commands). docs/ssse.md.
 */
export { medicalDebitApplication } from './medical-debit-app.js';
export { SSSE_AID, SSSE_DFS, MEDICAL_APP_ID, SSSE_PIN_ID, buildSsseTree, ssseFciProprietary } from './files.js';
export { DATA_ITEMS, decodeItemRecord, encodeItemRecord, itemByKey, itemsOf } from '../../../spec/ssse/data-items.js';
