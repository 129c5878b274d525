/**
 * The third-generation social-security PSAM as an application on the card runtime (docs/psam.md): the
 * application (psam-app.ts), its image (personalize.ts, `sscard psam new`) and its summary (inspect.ts).
 * The commands and layouts it shares with the terminal's PSAM client are in src/spec/ssse/psam.ts.
 */
export { psamApplication, PSAM_APP_ID, MASTER_KEY_USAGE, type PsamState } from './psam-app.js';
export { personalizePsam, psamMasterKeys, PsamPersonalizeError, type PsamPersonalizeOptions } from './personalize.js';
export { inspectPsam, NotAPsamImageError, type PsamSummary } from './inspect.js';
export { deriveCardKey, masterKeyId } from './psam-keys.js';
