/**
 * The list of sub-commands, in the order `--help` shows them. Each module exports a function that
 * registers its command on the program.
 */
import type { Command } from 'commander';
import { register as demo } from './demo.js';
import { register as card } from './card.js';
import { register as psam } from './psam.js';
import { register as read } from './read.js';
import { register as pin } from './pin.js';
import { register as debit } from './debit.js';
import { register as identity } from './identity.js';
import { register as apdu } from './apdu.js';
import { register as readers } from './readers.js';
import { register as serve } from './serve.js';
import { register as centre } from './centre.js';
import { register as issuer } from './issuer.js';
import { register as trace } from './trace.js';
import { register as conformance } from './conformance.js';
import { register as script } from './script.js';
import { register as record } from './record.js';
import { register as pay } from './pay.js';
import { register as cards } from './cards.js';
import { register as settle } from './settle.js';
import { register as quickpay } from './quickpay.js';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [demo, card, psam, read, pin, debit, identity, pay, settle, quickpay, apdu, readers, serve, script, trace, record, conformance, issuer, centre, cards];
