/**
 * A process that opens a card file for use and holds it (test helper for the lock tests): prints
 * "ready <pid>" once the card is open, then on each line of stdin sends that APDU (hex) and prints the
 * response; exits when stdin closes.
 *
 *   node --import tsx test/card/image/hold-card.ts card.json
 */
import { createInterface } from 'node:readline';
import { fromHex, toHex } from '../../../src/apdu/bytes.js';
import { systemClock, systemRandom } from '../../../src/env.js';
import { silentLogger } from '../../../src/log.js';
import { openCardFile } from '../../../src/card/index.js';

const card = openCardFile(process.argv[2]!, { random: systemRandom, clock: systemClock, log: silentLogger() }, { command: 'hold-card (lock test)' });
card.powerOn('contact');
process.stdout.write(`ready ${process.pid}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (hex) => process.stdout.write(`${toHex(card.transmit(fromHex(hex.trim())))}\n`));
lines.on('close', () => void card.close());
