/**
 * The card-management host (社保卡管理系统): the issuer's system of record for every card it issued —
 * who holds it, whether its social-security and financial areas are activated, loss reports, which
 * card replaced which — and the one that answers "may this card be used for this here?" (DOMAIN.md §5;
 * docs/card-life.md).
 *
 * - Activation: a new card works only once activated; the social-security area at its first use at a
 *   designated hospital or pharmacy (or explicitly at a bank or service window), the financial area at
 *   the bank (choices.ts `ACTIVATION_PLACES`).
 * - Replacement: a new card for the same person; until the new card is activated and used once for a
 *   medical settlement the old card keeps working, then the old card is deregistered (its personal
 *   account, kept per person by the centre, is reached through the new card from then on).
 * - Loss: a temporary report suspends both areas for 7 days and lapses by itself unless made formal; it
 *   can be lifted; a formal report is final and leads to a replacement.
 * - PIN reset at a service window: the host checks the card may be served and records the reset; the
 *   RELOAD PIN itself is the social-security kernel's, with the issuer's keys in the PSAM.
 *
 * Domain logic only, over a storage port (storage.ts), one transaction per operation; the clock is
 * injected (a temporary report lapses by the clock, so `--now` shows it). After each change the host
 * pushes the card's state to the bank and the centre where they keep one (push-ports.ts); a push that
 * fails is retried at the next run.
 */
import type { Clock } from '../../../env.js';
import type { Logger } from '../../../log.js';
import { chinaTime } from '../medical-insurance/china-time.js';
import { ACTIVATION_PLACES, FORMAL_LOSS_LIFTABLE, REPLACE_NEEDS_FORMAL_LOSS_WHEN_SUSPENDED, TEMPORARY_LOSS_MS } from './choices.js';
import {
  AREA_NAMES,
  CARD_AREAS,
  PLACE_NAMES,
  type AreaState,
  type CardArea,
  type CardEvent,
  type CardRecord,
  type CardRefusal,
  type CardUse,
  type EventKind,
  type IssuedCard,
  type Place,
  type RefusalCode,
} from './model.js';
import type { BankCardPort, CentreCardPort, PushReport } from './push-ports.js';
import type { CardStorage, CardStore } from './storage.js';

/** Why an operation cannot be done. `input`: the request itself is wrong (a usage error at the CLI). */
export type CardManagementErrorKind = 'input' | 'unknown-card' | 'state' | 'mismatch';

/** An operation the host refuses, with a message for people. */
export class CardManagementError extends Error {
  override name = 'CardManagementError';
  constructor(
    readonly kind: CardManagementErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface CardManagementHostOptions {
  storage: CardStorage;
  clock: Clock;
  /** The bank to push the financial area's state to (its card block). */
  bank?: BankCardPort;
  /** The medical-insurance centre to push the social-security area's state to (bind, deregister). */
  centre?: CentreCardPort;
  log?: Logger;
}

/** A card as shown: its record, each area's state now, and its latest events. */
export interface CardView {
  card: CardRecord;
  states: Record<CardArea, AreaState>;
  events: CardEvent[];
}

/** The result of an operation that changes a card: the card(s) after, and what the other hosts were told. */
export interface ChangeResult {
  view: CardView;
  /** Words for the operator, one line each (Chinese, then English). */
  notes: string[];
  pushes: PushReport[];
}

/** One line of the terminals' blacklist: a card that is not to be accepted, and why. */
export interface BlacklistLine {
  cardSn: string;
  cardNumber: string;
  pan?: string;
  panSequence?: string;
  reason: string;
}

const CARD_SN = /^[0-9A-F]{32}$/;
const CARD_NUMBER = /^[0-9A-Z]{9}$/;
const PAN = /^[0-9]{12,19}$/;
const ID_NUMBER = /^[0-9]{17}[0-9X]$/;

/** China time for messages: `yyyy-MM-dd HH:mm:ss`. */
export function shownTime(iso: string): string {
  return chinaTime(new Date(iso)).time;
}

/** `kind:id` of a place, as recorded. */
export function placeLabel(place: Place): string {
  return `${place.kind}:${place.id}`;
}

/**
 * The state of one area of a card at `now` (ISO time). A temporary report whose time has passed no
 * longer suspends, even before the host has recorded its lapse.
 */
export function areaState(card: CardRecord, area: CardArea, now: string): AreaState {
  if (card.lifecycle === 'lost') return 'lost';
  if (card.lifecycle === 'deregistered') return 'deregistered';
  if (card.suspendedUntil !== null && card.suspendedUntil > now) return 'suspended';
  const activated = area === 'social-security' ? card.socialSecurityActivatedAt : card.financialActivatedAt;
  return activated === null ? 'not-activated' : 'active';
}

function statesOf(card: CardRecord, now: string): Record<CardArea, AreaState> {
  return { 'social-security': areaState(card, 'social-security', now), financial: areaState(card, 'financial', now) };
}

function where(kinds: readonly Place['kind'][]): { zh: string; en: string } {
  return { zh: kinds.map((k) => PLACE_NAMES[k].zh).join('、'), en: kinds.map((k) => PLACE_NAMES[k].en).join(', ') };
}

/** The words of a refusal (the receipt's and the operator's). */
function refusal(code: RefusalCode, area: CardArea, card: CardRecord | undefined, detail: { key?: string; successor?: CardRecord } = {}): CardRefusal {
  const a = AREA_NAMES[area];
  const firstUse = ACTIVATION_PLACES[area].firstUse;
  const elsewhere = ACTIVATION_PLACES[area].explicit.filter((k) => !firstUse.includes(k)).map((k) => PLACE_NAMES[k].en);
  const places = `${elsewhere.slice(0, -1).join(', ')}${elsewhere.length > 1 ? ' or ' : ''}${elsewhere[elsewhere.length - 1] ?? ''}`;
  const words: Record<RefusalCode, { zh: string; en: string; hint: string }> = {
    'unknown-card': { zh: '卡片未登记', en: 'card not issued by this card-management host', hint: `no card ${detail.key ?? ''}; register it: sscard cards issue --card <file>` },
    'not-activated': {
      zh: `${a.zh}未激活`,
      en: `${a.en} not activated`,
      hint: firstUse.length === 0 ? `activate it at the ${places}` : `activate it at first use at a ${firstUse.map((k) => PLACE_NAMES[k].en).join(' or ')}, or at a ${places}`,
    },
    'temporarily-lost': {
      zh: '卡片已临时挂失',
      en: 'card under a temporary loss report',
      hint: card?.suspendedUntil ? `until ${shownTime(card.suspendedUntil)} (China time), unless lifted or made formal` : '',
    },
    lost: { zh: '卡片已正式挂失', en: 'card formally reported lost', hint: card?.lostAt ? `on ${shownTime(card.lostAt)}; use the replacement card` : '' },
    deregistered: {
      zh: '卡片已注销',
      en: 'card deregistered',
      hint: `${card?.deregisteredAt ? `on ${shownTime(card.deregisteredAt)}` : ''}${detail.successor ? `, replaced by card ${detail.successor.cardNumber}` : ''}`,
    },
  };
  const w = words[code];
  return {
    usable: false,
    code,
    area,
    zh: w.zh,
    en: w.en,
    message: `${w.zh} ${w.en}${w.hint ? `: ${w.hint}` : ''}`,
    ...(card ? { cardSn: card.cardSn } : {}),
  };
}

/** The refusal an area's state means, or undefined when the area is usable. */
function refusalOfState(state: AreaState, area: CardArea, card: CardRecord, successor?: CardRecord): CardRefusal | undefined {
  switch (state) {
    case 'active':
      return undefined;
    case 'not-activated':
      return refusal('not-activated', area, card);
    case 'suspended':
      return refusal('temporarily-lost', area, card);
    case 'lost':
      return refusal('lost', area, card);
    case 'deregistered':
      return refusal('deregistered', area, card, successor ? { successor } : {});
  }
}

function checkPlace(place: Place): void {
  if (!place || !(place.kind in PLACE_NAMES)) throw new CardManagementError('input', `place: kind must be one of ${Object.keys(PLACE_NAMES).join(', ')}, got ${JSON.stringify(place?.kind)}`);
  if (typeof place.id !== 'string' || !/^[\x21-\x7e]{1,40}$/.test(place.id)) throw new CardManagementError('input', `place: id must be 1 to 40 printable ASCII characters, got ${JSON.stringify(place.id)}`);
}

function checkIssued(c: IssuedCard): IssuedCard {
  const problems: string[] = [];
  const sn = typeof c.cardSn === 'string' ? c.cardSn.toUpperCase() : '';
  if (!CARD_SN.test(sn)) problems.push(`card identifier must be 32 hex digits, got ${JSON.stringify(c.cardSn)}`);
  if (typeof c.cardNumber !== 'string' || !CARD_NUMBER.test(c.cardNumber)) problems.push(`card number must be 9 characters 0-9/A-Z, got ${JSON.stringify(c.cardNumber)}`);
  if (!/^\d{6}$/.test(c.region ?? '')) problems.push(`region must be 6 digits, got ${JSON.stringify(c.region)}`);
  if (sn && c.region && sn.slice(0, 6) !== c.region) problems.push(`region ${c.region} is not the card identifier's city code ${sn.slice(0, 6)}`);
  if (!c.holder || typeof c.holder.idNumber !== 'string' || !ID_NUMBER.test(c.holder.idNumber.toUpperCase())) problems.push(`holder.idNumber must be 18 characters, got ${JSON.stringify(c.holder?.idNumber)}`);
  if (!c.holder || typeof c.holder.name !== 'string' || c.holder.name.trim() === '') problems.push('holder.name must not be empty');
  if (c.pan !== undefined && !PAN.test(c.pan)) problems.push(`PAN must be 12 to 19 digits, got ${JSON.stringify(c.pan)}`);
  if (problems.length) throw new CardManagementError('input', `cannot record the card: ${problems.join('; ')}`);
  return { ...c, cardSn: sn, holder: { ...c.holder, idNumber: c.holder.idNumber.toUpperCase(), name: c.holder.name.trim() } };
}

/** The card-management host. */
export class CardManagementHost {
  readonly #storage: CardStorage;
  readonly #clock: Clock;
  readonly #bank: BankCardPort | undefined;
  readonly #centre: CentreCardPort | undefined;
  readonly #log: Logger | undefined;

  constructor(options: CardManagementHostOptions) {
    this.#storage = options.storage;
    this.#clock = options.clock;
    this.#bank = options.bank;
    this.#centre = options.centre;
    this.#log = options.log;
  }

  /** Where the data lives ("…/card-management.sqlite", "memory (SQLite)"). */
  get description(): string {
    return this.#storage.description;
  }

  #now(): string {
    return this.#clock.now().toISOString();
  }

  // ------------------------------------------------------------------ queries

  /**
   * Finds a card by 卡识别码 (32 hex digits), 卡号 (9 characters), PAN (12-19 digits), or 社会保障号码
   * (the person's newest card that is not lost or deregistered, else their newest).
   */
  async find(key: string): Promise<CardRecord | undefined> {
    return this.#storage.transaction((store) => this.#find(store, key));
  }

  async #find(store: CardStore, key: string): Promise<CardRecord | undefined> {
    const k = key.trim().toUpperCase();
    if (CARD_SN.test(k)) return store.card(k);
    if (CARD_NUMBER.test(k)) return store.cardByNumber(k);
    if (PAN.test(k)) {
      const byPan = await store.cardByPan(k);
      if (byPan) return byPan;
    }
    if (ID_NUMBER.test(k)) {
      const cards = await store.cardsOf(k);
      return [...cards].reverse().find((c) => c.lifecycle === 'valid') ?? cards[cards.length - 1];
    }
    return undefined;
  }

  async #need(store: CardStore, key: string): Promise<CardRecord> {
    const card = await this.#find(store, key);
    if (!card) throw new CardManagementError('unknown-card', `no card ${key} is known to the card-management host (register it: sscard cards issue --card <file>)`);
    return card;
  }

  /** One card with its states now and its latest events (newest first). */
  async view(key: string, events = 20): Promise<CardView> {
    await this.catchUp();
    return this.#storage.transaction(async (store) => this.#view(store, await this.#need(store, key), events));
  }

  /** Every card (oldest first) with its states now. */
  async list(): Promise<CardView[]> {
    await this.catchUp();
    return this.#storage.transaction(async (store) => {
      const out: CardView[] = [];
      for (const c of await store.cards()) out.push(await this.#view(store, c, 0));
      return out;
    });
  }

  async #view(store: CardStore, card: CardRecord, events: number): Promise<CardView> {
    return { card, states: statesOf(card, this.#now()), events: events > 0 ? await store.events(card.cardSn, events) : [] };
  }

  /**
   * The terminals' blacklist (LD/T 32.7 §5.4 step "blacklist check"; docs/ssse-reader.md "The
   * blacklist file"): every card under a loss report, formally lost or deregistered.
   */
  async blacklist(): Promise<BlacklistLine[]> {
    await this.catchUp();
    const now = this.#now();
    return this.#storage.transaction(async (store) => {
      const out: BlacklistLine[] = [];
      for (const c of await store.cards()) {
        const state = areaState(c, 'social-security', now);
        const reason =
          state === 'suspended' ? `临时挂失 temporary loss until ${shownTime(c.suspendedUntil!)}` : state === 'lost' ? `正式挂失 lost ${shownTime(c.lostAt!)}` : state === 'deregistered' ? `注销 deregistered ${shownTime(c.deregisteredAt!)}` : undefined;
        if (reason) out.push({ cardSn: c.cardSn, cardNumber: c.cardNumber, ...(c.pan ? { pan: c.pan } : {}), ...(c.panSequence ? { panSequence: c.panSequence } : {}), reason });
      }
      return out;
    });
  }

  // ------------------------------------------------------------------ the card's life

  /**
   * Records a card the issuer has personalised (its areas not activated). With `replaces`, the card is
   * a replacement for that card of the same person (see `replace`).
   */
  async issue(card: IssuedCard, options: { replaces?: string; place?: Place } = {}): Promise<ChangeResult> {
    const issued = checkIssued(card);
    if (options.place) checkPlace(options.place);
    return this.#change(async (store, now, notes) => {
      if (await store.card(issued.cardSn)) throw new CardManagementError('state', `card ${issued.cardSn} is already recorded`);
      if (await store.cardByNumber(issued.cardNumber)) throw new CardManagementError('state', `card number ${issued.cardNumber} is already another card's`);
      if (issued.pan && (await store.cardByPan(issued.pan))) throw new CardManagementError('state', `PAN ${issued.pan} is already another card's`);
      let old: CardRecord | undefined;
      if (options.replaces) {
        old = await this.#need(store, options.replaces);
        this.#checkReplaceable(old, issued);
      } else {
        const others = (await store.cardsOf(issued.holder.idNumber)).filter((c) => c.lifecycle === 'valid');
        if (others.length) {
          throw new CardManagementError('state', `${issued.holder.idNumber} already holds card ${others.map((c) => c.cardNumber).join(', ')}: a new card for the same person is a replacement (sscard cards replace, or issue --replaces <card>)`);
        }
      }
      const record: CardRecord = {
        ...issued,
        issuedAt: now,
        socialSecurityActivatedAt: null,
        socialSecurityActivatedAtPlace: null,
        financialActivatedAt: null,
        financialActivatedAtPlace: null,
        lifecycle: 'valid',
        suspendedAt: null,
        suspendedUntil: null,
        lostAt: null,
        deregisteredAt: null,
        replaces: old?.cardSn ?? null,
        replacedBy: null,
        firstMedicalSettlementAt: null,
        pushPending: true,
        updatedAt: now,
      };
      await store.insertCard(record);
      await this.#event(store, record, now, 'issued', null, options.place, `issued to ${record.holder.name} (${record.holder.idNumber}), card number ${record.cardNumber}${record.pan ? `, PAN ${record.pan}` : ''}; not activated`);
      notes.push(`已登记 recorded: card ${record.cardNumber} for ${record.holder.name}; 社保功能 social-security and 金融功能 financial areas not activated yet`);
      if (old) {
        old.replacedBy = record.cardSn;
        old.updatedAt = now;
        await store.updateCard(old);
        await this.#event(store, old, now, 'replaced', null, options.place, `replaced by card ${record.cardNumber} (${record.cardSn})${old.lifecycle === 'valid' ? '; keeps working until the new card is activated and used for a medical settlement' : ''}`);
        await this.#event(store, record, now, 'replacement-issued', null, options.place, `replaces card ${old.cardNumber} (${old.cardSn}, ${old.lifecycle})`);
        notes.push(
          old.lifecycle === 'valid'
            ? `换卡 exchange: the old card ${old.cardNumber} keeps working until the new card is activated and used once for a medical settlement; then it is deregistered`
            : `补卡 replacement of the ${old.lifecycle} card ${old.cardNumber}`,
        );
      }
      return record;
    });
  }

  /**
   * A replacement card for the same person (补卡 after a formal loss, or 换卡 of a card that still
   * works): the new card is recorded as issued (not activated) and linked to the old one.
   */
  async replace(oldKey: string, newCard: IssuedCard, place?: Place): Promise<ChangeResult> {
    return this.issue(newCard, { replaces: oldKey, ...(place ? { place } : {}) });
  }

  /** Checks that `old` may be replaced by `issued` (same person, another card). */
  #checkReplaceable(old: CardRecord, issued: IssuedCard): void {
    if (old.holder.idNumber !== issued.holder.idNumber) {
      throw new CardManagementError('mismatch', `the new card is for ${issued.holder.idNumber}, the old card ${old.cardNumber} is ${old.holder.idNumber}'s: a replacement is for the same person`);
    }
    if (old.holder.name !== issued.holder.name) throw new CardManagementError('mismatch', `the new card names ${issued.holder.name}, the old card ${old.holder.name}`);
    if (old.cardNumber === issued.cardNumber) throw new CardManagementError('input', `a replacement needs a new card number (the old card's is ${old.cardNumber})`);
    if (old.lifecycle === 'deregistered') throw new CardManagementError('state', `card ${old.cardNumber} is deregistered already`);
    if (old.replacedBy) throw new CardManagementError('state', `card ${old.cardNumber} was already replaced by card ${old.replacedBy}`);
    if (REPLACE_NEEDS_FORMAL_LOSS_WHEN_SUSPENDED && old.lifecycle === 'valid' && old.suspendedUntil !== null && old.suspendedUntil > this.#now()) {
      throw new CardManagementError('state', `card ${old.cardNumber} is under a temporary loss report: make it formal (sscard cards report-loss --formal) or lift it before replacing the card`);
    }
  }

  /**
   * "May this card be used for this area here?" — what sscard's flows ask before using a card (the
   * CardStatusPort of the hospital settlement and quick-pay flows). The first use of a social-security
   * area at a place that activates it (choices.ts `ACTIVATION_PLACES.firstUse`) activates it.
   */
  async use(key: string, area: CardArea, place: Place): Promise<CardUse> {
    checkPlace(place);
    if (!CARD_AREAS.includes(area)) throw new CardManagementError('input', `area must be social-security or financial, got ${JSON.stringify(area)}`);
    let answer: CardUse | undefined;
    await this.#changeMaybe(async (store, now) => {
      const card = await this.#find(store, key);
      if (!card) {
        answer = refusal('unknown-card', area, undefined, { key });
        return undefined;
      }
      const state = areaState(card, area, now);
      if (state === 'not-activated' && ACTIVATION_PLACES[area].firstUse.includes(place.kind)) {
        this.#activate(card, area, place, now);
        await store.updateCard(card);
        await this.#event(store, card, now, 'activated', area, place, `activated at its first use at a ${PLACE_NAMES[place.kind].en} (${place.id})`);
        answer = { usable: true, area, cardSn: card.cardSn, ...(card.pan ? { pan: card.pan } : {}), activatedNow: true, message: `${AREA_NAMES[area].zh}已激活 ${AREA_NAMES[area].en} activated at its first use here` };
        return card;
      }
      const successor = card.replacedBy ? await store.card(card.replacedBy) : undefined;
      const refused = refusalOfState(state, area, card, successor);
      if (refused) {
        await this.#event(store, card, now, 'refused', area, place, refused.message);
        answer = refused;
        return undefined;
      }
      answer = { usable: true, area, cardSn: card.cardSn, ...(card.pan ? { pan: card.pan } : {}), activatedNow: false, message: `${AREA_NAMES[area].zh}可用 ${AREA_NAMES[area].en} usable` };
      return undefined;
    });
    return answer!;
  }

  /**
   * Activates areas of a card at a place (`sscard cards activate`): the social-security area at a
   * designated hospital or pharmacy, a bank or a service window; the financial area at the bank.
   * @param idNumber the ID the holder shows, checked against the card's holder when given
   */
  async activate(key: string, areas: readonly CardArea[], place: Place, idNumber?: string): Promise<ChangeResult> {
    checkPlace(place);
    if (areas.length === 0 || areas.some((a) => !CARD_AREAS.includes(a))) throw new CardManagementError('input', `areas must be social-security and/or financial, got ${JSON.stringify(areas)}`);
    return this.#change(async (store, now, notes) => {
      const card = await this.#need(store, key);
      this.#checkHolder(card, idNumber);
      for (const area of areas) {
        const allowed = ACTIVATION_PLACES[area].explicit;
        if (!allowed.includes(place.kind)) {
          throw new CardManagementError('state', `${AREA_NAMES[area].zh} the ${AREA_NAMES[area].en} is activated at a ${where(allowed).en} (${where(allowed).zh}), not at a ${PLACE_NAMES[place.kind].en}`);
        }
      }
      for (const area of areas) {
        const state = areaState(card, area, now);
        if (state === 'active') {
          const at = area === 'social-security' ? card.socialSecurityActivatedAt! : card.financialActivatedAt!;
          notes.push(`${AREA_NAMES[area].zh}已激活 ${AREA_NAMES[area].en} already activated (${shownTime(at)})`);
          continue;
        }
        if (state !== 'not-activated') throw new CardManagementError('state', `cannot activate: ${refusalOfState(state, area, card)!.message}`);
        this.#activate(card, area, place, now);
        await this.#event(store, card, now, 'activated', area, place, `activated at a ${PLACE_NAMES[place.kind].en} (${place.id})`);
        notes.push(`${AREA_NAMES[area].zh}已激活 ${AREA_NAMES[area].en} activated`);
      }
      await store.updateCard(card);
      return card;
    });
  }

  #activate(card: CardRecord, area: CardArea, place: Place, now: string): void {
    if (area === 'social-security') {
      card.socialSecurityActivatedAt = now;
      card.socialSecurityActivatedAtPlace = placeLabel(place);
    } else {
      card.financialActivatedAt = now;
      card.financialActivatedAtPlace = placeLabel(place);
    }
    card.pushPending = true;
    card.updatedAt = now;
  }

  #checkHolder(card: CardRecord, idNumber: string | undefined): void {
    if (idNumber !== undefined && idNumber.toUpperCase() !== card.holder.idNumber) {
      throw new CardManagementError('mismatch', `the ID shown (${idNumber}) is not the holder's of card ${card.cardNumber}`);
    }
  }

  /**
   * A loss report. Temporary (临时挂失): both areas suspended for 7 days (choices.ts), then usable again
   * by themselves. Formal (正式挂失): final; a temporary report in force is made formal.
   */
  async reportLoss(key: string, options: { formal: boolean; place?: Place; idNumber?: string }): Promise<ChangeResult> {
    if (options.place) checkPlace(options.place);
    return this.#change(async (store, now, notes) => {
      const card = await this.#need(store, key);
      this.#checkHolder(card, options.idNumber);
      if (card.lifecycle === 'lost') throw new CardManagementError('state', `card ${card.cardNumber} is formally reported lost already (${shownTime(card.lostAt!)})`);
      if (card.lifecycle === 'deregistered') throw new CardManagementError('state', `card ${card.cardNumber} is deregistered (${shownTime(card.deregisteredAt!)}): nothing to report`);
      const suspended = card.suspendedUntil !== null && card.suspendedUntil > now;
      if (!options.formal) {
        if (suspended) throw new CardManagementError('state', `card ${card.cardNumber} is under a temporary loss report already, until ${shownTime(card.suspendedUntil!)} (make it formal with --formal, or lift it)`);
        card.suspendedAt = now;
        card.suspendedUntil = new Date(Date.parse(now) + TEMPORARY_LOSS_MS).toISOString();
        await this.#event(store, card, now, 'loss-reported', null, options.place, `temporary loss report: both areas suspended until ${shownTime(card.suspendedUntil)}`);
        notes.push(`临时挂失 temporary loss report: 社保功能 and 金融功能 suspended until ${shownTime(card.suspendedUntil)} (China time); it lapses by itself unless made formal`);
      } else {
        card.lifecycle = 'lost';
        card.lostAt = now;
        card.suspendedAt = null;
        card.suspendedUntil = null;
        await this.#event(store, card, now, suspended ? 'loss-made-formal' : 'loss-reported', null, options.place, suspended ? 'the temporary loss report made formal' : 'formal loss report');
        notes.push(`正式挂失 formal loss report: card ${card.cardNumber} refused from now on; a replacement card: sscard cards replace ${card.cardNumber} --out new.json`);
      }
      card.pushPending = true;
      card.updatedAt = now;
      await store.updateCard(card);
      return card;
    });
  }

  /** Lifts a temporary loss report in force (a formal one is final: choices.ts). */
  async liftLoss(key: string, options: { place?: Place; idNumber?: string } = {}): Promise<ChangeResult> {
    if (options.place) checkPlace(options.place);
    return this.#change(async (store, now, notes) => {
      const card = await this.#need(store, key);
      this.#checkHolder(card, options.idNumber);
      if (card.lifecycle === 'lost' && !FORMAL_LOSS_LIFTABLE) throw new CardManagementError('state', `card ${card.cardNumber} is formally reported lost: a formal report is not lifted (get a replacement card)`);
      if (card.lifecycle === 'deregistered') throw new CardManagementError('state', `card ${card.cardNumber} is deregistered`);
      if (card.suspendedUntil === null || card.suspendedUntil <= now) throw new CardManagementError('state', `card ${card.cardNumber} has no temporary loss report in force`);
      card.suspendedAt = null;
      card.suspendedUntil = null;
      card.pushPending = true;
      card.updatedAt = now;
      await store.updateCard(card);
      await this.#event(store, card, now, 'loss-lifted', null, options.place, 'temporary loss report lifted');
      notes.push('解除挂失 loss report lifted: the card works again');
      return card;
    });
  }

  /**
   * After a medical settlement made with this card (what the settlement flow reports): the first one
   * is recorded, and when the card is a replacement whose social-security area is activated, every
   * card it replaces that still works is deregistered — the personal account, the centre's per person,
   * is reached through this card from now on. Told twice with the same `setlId`, the second time
   * changes nothing (the settlement flow's recovery may tell it again).
   */
  async onMedicalSettlement(key: string, options: { setlId?: string; place?: Place } = {}): Promise<ChangeResult & { deregistered: CardRecord[] }> {
    if (options.place) checkPlace(options.place);
    const deregistered: CardRecord[] = [];
    const result = await this.#change(async (store, now, notes, touched) => {
      const card = await this.#need(store, key);
      if (options.setlId) {
        const told = await store.settlementNotice(options.setlId);
        if (told) {
          if (told !== card.cardSn) throw new CardManagementError('mismatch', `settlement ${options.setlId} was told for card ${told}, not ${card.cardSn}`);
          notes.push(`settlement ${options.setlId} was told before: nothing more to do`);
          return card;
        }
        await store.recordSettlementNotice(options.setlId, card.cardSn, now);
      }
      const first = card.firstMedicalSettlementAt === null;
      if (first) card.firstMedicalSettlementAt = now;
      card.updatedAt = now;
      await store.updateCard(card);
      await this.#event(store, card, now, 'medical-settlement', 'social-security', options.place, `${first ? 'first ' : ''}medical settlement${options.setlId ? ` ${options.setlId}` : ''}`);
      if (card.socialSecurityActivatedAt === null) {
        if (card.replaces) notes.push(`the card's social-security area is not activated: the card it replaces is not deregistered yet`);
        return card;
      }
      const balance = this.#centre?.accountBalance(card.holder.idNumber);
      for (let sn = card.replaces; sn; ) {
        const old = await store.card(sn);
        if (!old) break;
        if (old.lifecycle === 'valid') {
          old.lifecycle = 'deregistered';
          old.deregisteredAt = now;
          old.suspendedAt = null;
          old.suspendedUntil = null;
          old.pushPending = true;
          old.updatedAt = now;
          await store.updateCard(old);
          const account = balance !== undefined ? `; the personal account (${(balance / 100).toFixed(2)}) is reached through card ${card.cardNumber}` : '';
          await this.#event(store, old, now, 'deregistered', null, options.place, `deregistered: its replacement ${card.cardNumber} was used for a medical settlement${account}`);
          deregistered.push(old);
          touched.push(old);
          notes.push(`旧卡注销 old card ${old.cardNumber} deregistered${account}`);
        }
        sn = old.replaces;
      }
      return card;
    });
    return { ...result, deregistered };
  }

  /** Checks that a card may have its PIN reset here (before the RELOAD PIN); throws why not. */
  async checkPinReset(key: string, idNumber?: string): Promise<CardRecord> {
    await this.catchUp();
    return this.#storage.transaction(async (store) => {
      const card = await this.#need(store, key);
      this.#checkHolder(card, idNumber);
      if (card.lifecycle !== 'valid') throw new CardManagementError('state', `card ${card.cardNumber} is ${card.lifecycle === 'lost' ? 'formally reported lost' : 'deregistered'}: its PIN is not reset`);
      return card;
    });
  }

  /** Records a PIN reset the card has done (RELOAD PIN answered 9000). */
  async recordPinReset(key: string, place: Place): Promise<ChangeResult> {
    checkPlace(place);
    return this.#change(async (store, now, notes) => {
      const card = await this.#need(store, key);
      await this.#event(store, card, now, 'pin-reset', 'social-security', place, `PIN reset (RELOAD PIN with the issuer's keys through the PSAM) at a ${PLACE_NAMES[place.kind].en} (${place.id})`);
      notes.push('密码重置 PIN reset: the card takes the new PIN (its try counter is full again)');
      return card;
    });
  }

  /**
   * Records the lapse of every temporary loss report whose time has come, and pushes whatever the
   * other hosts were not told yet. Every operation runs it first; a program may call it on its own.
   */
  async catchUp(): Promise<PushReport[]> {
    const now = this.#now();
    await this.#storage.transaction(async (store) => {
      for (const card of await store.suspensionsEndingBy(now)) {
        const until = card.suspendedUntil!;
        card.suspendedAt = null;
        card.suspendedUntil = null;
        card.pushPending = true;
        card.updatedAt = now;
        await store.updateCard(card);
        await this.#event(store, card, until, 'loss-lapsed', null, undefined, 'the temporary loss report lapsed (7 days): the card works again');
      }
    });
    return this.#pushPending();
  }

  // ------------------------------------------------------------------ plumbing

  /** One change: catch up, run `work` in one transaction, then push what changed. */
  async #change(work: (store: CardStore, now: string, notes: string[], touched: CardRecord[]) => Promise<CardRecord>): Promise<ChangeResult> {
    const early = await this.catchUp();
    const notes: string[] = [];
    const now = this.#now();
    const card = await this.#storage.transaction(async (store) => {
      const touched: CardRecord[] = [];
      return work(store, now, notes, touched);
    });
    const pushes = [...early, ...(await this.#pushPending())];
    const view = await this.#storage.transaction(async (store) => this.#view(store, (await store.card(card.cardSn))!, 10));
    for (const p of pushes) if (!p.ok) notes.push(`未通知 not told: the ${p.target} could not be told (${p.error}); retried at the next run`);
    return { view, notes, pushes };
  }

  /** A unit that may change a card (`use`): the card it returns is pushed. */
  async #changeMaybe(work: (store: CardStore, now: string) => Promise<CardRecord | undefined>): Promise<PushReport[]> {
    const early = await this.catchUp();
    const now = this.#now();
    const changed = await this.#storage.transaction((store) => work(store, now));
    return changed ? [...early, ...(await this.#pushPending())] : early;
  }

  async #event(store: CardStore, card: CardRecord, at: string, kind: EventKind, area: CardArea | null, place: Place | undefined, detail: string): Promise<void> {
    await store.appendEvent({ cardSn: card.cardSn, at, kind, area, place: place ? placeLabel(place) : null, detail });
    this.#log?.info({ card: card.cardSn, kind, area, place: place ? placeLabel(place) : undefined }, detail);
  }

  /** Pushes every card with `pushPending` to the bank and the centre; clears the flag when all went through. */
  async #pushPending(): Promise<PushReport[]> {
    if (!this.#bank && !this.#centre) return [];
    const pending = await this.#storage.transaction((store) => store.pendingPushes());
    const reports: PushReport[] = [];
    for (const card of pending) {
      const mine = await this.#push(card);
      reports.push(...mine);
      const failed = mine.filter((r) => !r.ok);
      await this.#storage.transaction(async (store) => {
        const now = this.#now();
        for (const r of mine) await this.#event(store, card, now, r.ok ? 'pushed' : 'push-failed', null, undefined, `${r.target}: ${r.action}${r.ok ? '' : ` — ${r.error}`}`);
        if (failed.length === 0) {
          const fresh = (await store.card(card.cardSn))!;
          if (fresh.updatedAt === card.updatedAt) {
            fresh.pushPending = false;
            await store.updateCard(fresh);
          }
        }
      });
    }
    return reports;
  }

  /**
   * What the bank and the centre should know of one card, told where they do not know it yet:
   * the bank blocks the card while its financial area is not usable; the centre has the card bound
   * while the social-security area is active, and deregistered once the card is lost or retired.
   */
  async #push(card: CardRecord): Promise<PushReport[]> {
    const now = this.#now();
    const out: PushReport[] = [];
    const attempt = async (target: PushReport['target'], action: string, run: () => Promise<boolean | void> | boolean | void) => {
      try {
        const done = await run();
        if (done !== false) out.push({ target, cardSn: card.cardSn, action, ok: true });
      } catch (err) {
        // the card-management host stays the system of record: the push is retried at the next run
        this.#log?.warn({ card: card.cardSn, target, err }, 'push failed');
        out.push({ target, cardSn: card.cardSn, action, ok: false, error: (err as Error).message });
      }
    };
    const bank = this.#bank;
    if (bank && card.pan) {
      const pan = card.pan;
      const blocked = areaState(card, 'financial', now) !== 'active';
      let current: boolean | undefined;
      await attempt('bank', `read the card block of PAN ${pan}`, async () => {
        current = await bank.cardBlocked(pan);
        return false;
      });
      if (current !== undefined && current !== blocked) {
        await attempt('bank', blocked ? `card blocked at the bank (62): PAN ${pan}` : `card unblocked at the bank: PAN ${pan}`, () => bank.setCardBlocked(pan, blocked));
      }
    }
    const centre = this.#centre;
    if (centre) {
      const state = areaState(card, 'social-security', now);
      const status = centre.cardStatus(card.cardSn);
      if (state === 'active' && status === undefined) {
        let insured = true;
        await attempt('centre', 'card bound to the insured person at the centre', () => {
          insured = centre.bindCard(card.holder.idNumber, { cardSn: card.cardSn, cardNumber: card.cardNumber });
          return insured;
        });
        if (!insured) out.push({ target: 'centre', cardSn: card.cardSn, action: `not bound: ${card.holder.idNumber} is not insured at the centre (sscard centre enrol)`, ok: true });
      } else if ((state === 'lost' || state === 'deregistered') && status === 'active') {
        await attempt('centre', 'card deregistered at the centre', () => centre.deregisterCard(card.cardSn));
      }
    }
    return out;
  }

  /** Closes the storage. */
  async close(): Promise<void> {
    await this.#storage.close();
  }
}
