/**
 * The world of the settlement tests: one Shanghai card (social-security, PBOC debit/EC, PKI) personalised
 * by the real personaliser for the invented holder 李文静, the real PSAM application behind the
 * terminal's PsamClient, the real medical-insurance centre and issuer host (in-memory SQLite, or files
 * in a state directory), and the settlement journal — everything in-process, nothing stubbed.
 *
 * The card is kept in a card store (memory or a file), so that "the card presented again" is a fresh
 * reader over the card's committed state, as a card taken out and inserted again.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixedClock, seededRandom, type Clock, type RandomSource } from '../../../../src/env.js';
import { silentLogger } from '../../../../src/log.js';
import { createCard, MemoryCardStore, type CardImage } from '../../../../src/card/index.js';
import { FileCardStore } from '../../../../src/card/image/store.js';
import { serializeImage } from '../../../../src/card/runtime/serialize.js';
import { personalizePsam } from '../../../../src/card/apps/psam/index.js';
import { parseProfile, type Profile } from '../../../../src/card/personalize/profile.js';
import type { Holder } from '../../../../src/card/personalize/holder.js';
import { personalize } from '../../../../src/card/personalize/personalize.js';
import { parseTerminalConfig, type TerminalConfig } from '../../../../src/terminal/config/terminal-config.js';
import { openIssuerHost, type IssuerHost } from '../../../../src/terminal/hosts/issuer/index.js';
import { openCentre, parseBill, readJsonFile, type Bill, type OpenCentre, type PersonKind } from '../../../../src/terminal/hosts/medical-insurance/index.js';
import { SqliteSettlementJournal } from '../../../../src/terminal/flows/settlement/sqlite-journal.js';
import { HospitalSettlement, type HospitalSettlementDeps, type PresentedCard } from '../../../../src/terminal/flows/hospital-settlement.js';
import { PsamClient } from '../../../../src/terminal/psam/psam-client.js';
import { SimulatedReader } from '../../../../src/terminal/readers/simulated.js';

export const REPO = new URL('../../../../', import.meta.url).pathname;
const load = (p: string): any => JSON.parse(readFileSync(join(REPO, p), 'utf8'));

/** The card is issued on 2026-01-05 (the holder file's issue date)… */
export const ISSUED = new Date('2026-01-05T02:00:00Z');
/** …and the visits are settled on 2026-03-02 at 11:00 China time (after the bills' fee times). */
export const NOW = new Date('2026-03-02T03:00:00Z');

export const PIN = '123456';

/** The bundled Shanghai profile; `ecBalance` personalises the card with electronic cash (fen). */
export function shanghaiProfile(ecBalance?: number): Profile {
  const p = load('fixtures/profiles/shanghai.json');
  if (ecBalance !== undefined) p.financial.ec = { ...(p.financial.ec ?? {}), balance: ecBalance };
  return parseProfile(p);
}

export function holderLi(): Holder {
  return load('fixtures/holders/shanghai-li.json') as Holder;
}

/** The default terminal configuration file, with overrides (deep for `contactless`). */
export function terminalConfig(overrides: Record<string, unknown> = {}): TerminalConfig {
  const base = load('fixtures/terminal/default.json') as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...base, ...overrides };
  if (overrides.contactless) merged.contactless = { ...(base.contactless as object), ...(overrides.contactless as object) };
  return parseTerminalConfig(merged, 'test terminal');
}

/** A bundled bill. */
export function bill(name: 'outpatient' | 'three-categories' | 'cross-province' | 'inpatient'): Bill {
  return parseBill(readJsonFile(join(REPO, `fixtures/bills/${name}.json`), 'bill'), `${name}.json`);
}

export interface WorldOptions {
  /** A state directory (files: centre.sqlite, issuer.sqlite, settlement.sqlite, card.json); default: memory. */
  stateDir?: string;
  /** The person at the centre: account balance and this year's deductible already paid (fen). */
  accountBalance?: number;
  dedcPaid?: number;
  kind?: PersonKind;
  /** The bank account's balance (fen; default 1000.00); `null`: no bank account. */
  bankBalance?: number | null;
  /** The card's electronic-cash balance at issue (fen; default 0), known to the bank's EC ledger. */
  ecBalance?: number;
  /** Edits the card image before it is used. */
  editCard?: (image: CardImage) => void;
  clock?: Clock;
  /** The flow's random source (default: seeded). */
  random?: RandomSource;
}

export interface World {
  clock: Clock;
  profile: Profile;
  image: CardImage;
  cardSn: string;
  cardNo: string;
  pan: string;
  /** The holder's psn_no at the centre. */
  psnNo: string;
  centre: OpenCentre;
  issuer: IssuerHost;
  journal: SqliteSettlementJournal;
  psam: PsamClient;
  terminal: TerminalConfig;
  /** A fresh reader over the card's committed state (the card inserted again). */
  reader(): SimulatedReader;
  /** The card as presented at the window, with its PIN. */
  presented(extra?: Partial<PresentedCard>): PresentedCard;
  flow(extra?: Partial<HospitalSettlementDeps>): HospitalSettlement;
  /** The card's committed image (e.g. its EC balance, DF04 state). */
  cardImage(): CardImage;
  close(): Promise<void>;
}

/** Builds the world: personalises the card, enrols its holder, opens the bank account. */
export async function makeWorld(options: WorldOptions = {}): Promise<World> {
  const clock = options.clock ?? fixedClock(NOW);
  const profile = shanghaiProfile(options.ecBalance);
  const image = personalize(profile, holderLi(), { random: seededRandom(11), clock: fixedClock(ISSUED) });
  options.editCard?.(image);
  let store: MemoryCardStore | FileCardStore;
  if (options.stateDir) {
    mkdirSync(options.stateDir, { recursive: true });
    writeFileSync(join(options.stateDir, 'card.json'), serializeImage(image));
    store = new FileCardStore(join(options.stateDir, 'card.json'));
  } else store = new MemoryCardStore(image);
  const w = await assemble(profile, store, clock, options.stateDir, options.random);
  const person = w.centre.centre.enrol({
    certno: '310104199203154427',
    psn_name: '李文静',
    insuplc_admdvs: '310000',
    insutype: '310',
    kind: options.kind ?? 'employed',
    balance: options.accountBalance ?? 200_000,
    dedc_paid: options.dedcPaid ?? 0,
    cards: [{ card_sn: w.cardSn, card_no: w.cardNo }],
  });
  w.psnNo = person.psn_no;
  if (options.bankBalance !== null) await w.issuer.openAccount({ pan: w.pan, balance: options.bankBalance ?? 100_000, pin: PIN, holder: '李文静', ecBalance: options.ecBalance ?? 0 });
  return w;
}

/** Opens a world made before in a state directory (another process: the card file, the hosts' databases). */
export async function openWorld(stateDir: string, options: { clock?: Clock; random?: RandomSource } = {}): Promise<World> {
  const store = new FileCardStore(join(stateDir, 'card.json'));
  const w = await assemble(shanghaiProfile(), store, options.clock ?? fixedClock(NOW), stateDir, options.random);
  w.psnNo = w.centre.centre.findPerson(w.cardSn)!.psn_no;
  return w;
}

async function assemble(profile: Profile, store: MemoryCardStore | FileCardStore, clock: Clock, stateDir: string | undefined, random?: RandomSource): Promise<World> {
  const image = store.load();
  const cardRandom = seededRandom(12);
  const reader = () => new SimulatedReader(createCard(store.load(), { random: cardRandom, clock, log: silentLogger() }, { store }), { name: 'test card' });
  const psamImage = personalizePsam(profile, { random: seededRandom(13), terminalId: '310000000001' });
  const psamReader = new SimulatedReader(createCard(psamImage, { random: seededRandom(14), clock, log: silentLogger() }), { name: 'test PSAM' });
  await psamReader.connect('contact');
  const psam = new PsamClient(psamReader);
  const location = stateDir ? { stateDir } : { memory: true as const };
  const centre = openCentre({ location, clock });
  const issuer = openIssuerHost(stateDir ? { stateDir, clock } : { memory: true, clock });
  const journal = SqliteSettlementJournal.open(location);
  const terminal = terminalConfig();
  const flowRandom = random ?? seededRandom(99);
  return {
    clock,
    profile,
    image,
    cardSn: '310000D15600000500A1B2C3341C081B',
    cardNo: 'SH0012349',
    pan: (image.apps.pboc as { pan: string }).pan,
    psnNo: '',
    centre,
    issuer,
    journal,
    psam,
    terminal,
    reader,
    presented: (extra = {}) => ({ reader: reader(), psam, pin: PIN, ...extra }),
    flow: (extra = {}) => new HospitalSettlement({ centre: centre.centre, issuer, journal, terminal, clock, random: flowRandom, ...extra }),
    cardImage: () => store.load(),
    async close() {
      journal.close();
      centre.close();
      await issuer.close();
      await psamReader.disconnect();
    },
  };
}
