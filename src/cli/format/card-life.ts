/**
 * How the card's life is shown (`sscard cards`, `sscard demo`): a card's record and states in two
 * aligned columns (Chinese counted double width), its history, and the same as JSON.
 */
import { AREA_NAMES, shownTime, type AreaState, type CardEvent, type CardUse, type CardView, type ChangeResult, type PushReport } from '../../terminal/hosts/card-management/index.js';
import { alignedRows } from './columns.js';

/** An area's state in words, Chinese then English. */
export const AREA_STATE_WORDS: Readonly<Record<AreaState, string>> = {
  'not-activated': '未激活 not activated',
  active: '已激活 active',
  suspended: '临时挂失 suspended (temporary loss report)',
  lost: '正式挂失 lost (formal loss report)',
  deregistered: '已注销 deregistered',
};

const EVENT_WORDS: Readonly<Record<CardEvent['kind'], string>> = {
  issued: '发卡 issued',
  activated: '激活 activated',
  refused: '拒绝 refused',
  'loss-reported': '挂失 loss reported',
  'loss-made-formal': '转正式挂失 made formal',
  'loss-lifted': '解挂 lifted',
  'loss-lapsed': '挂失到期 lapsed',
  replaced: '被替换 replaced',
  'replacement-issued': '补换卡 replacement',
  deregistered: '注销 deregistered',
  'medical-settlement': '医保结算 medical settlement',
  'pin-reset': '密码重置 PIN reset',
  pushed: '同步 pushed',
  'push-failed': '同步失败 push failed',
};

function placeOf(label: string | null): string {
  return label ?? '';
}

/** The rows of a card: identity, each area, loss, replacement. */
export function cardRows(view: CardView): Array<[string, string]> {
  const c = view.card;
  const activated = (at: string | null, place: string | null) => (at ? `; activated ${shownTime(at)} at ${placeOf(place)}` : '');
  const rows: Array<[string, string]> = [
    ['卡识别码 card identifier', c.cardSn],
    ['卡号 card number', c.cardNumber],
    ['姓名 name', c.holder.name],
    ['社会保障号码 ID number', c.holder.idNumber],
    ['银行卡号 PAN', c.pan ? `${c.pan}${c.panSequence ? ` (PSN ${c.panSequence})` : ''}` : '- (no financial application)'],
    ['发卡 issued', shownTime(c.issuedAt)],
    [`${AREA_NAMES['social-security'].zh} ${AREA_NAMES['social-security'].en}`, `${AREA_STATE_WORDS[view.states['social-security']]}${activated(c.socialSecurityActivatedAt, c.socialSecurityActivatedAtPlace)}`],
    [`${AREA_NAMES.financial.zh} ${AREA_NAMES.financial.en}`, `${AREA_STATE_WORDS[view.states.financial]}${activated(c.financialActivatedAt, c.financialActivatedAtPlace)}`],
  ];
  if (c.suspendedUntil) rows.push(['临时挂失 temporary loss', `${shownTime(c.suspendedAt!)} → ${shownTime(c.suspendedUntil)} (restored by itself then)`]);
  if (c.lostAt) rows.push(['正式挂失 formal loss', shownTime(c.lostAt)]);
  if (c.deregisteredAt) rows.push(['注销 deregistered', shownTime(c.deregisteredAt)]);
  if (c.replaces) rows.push(['替换 replaces', c.replaces]);
  if (c.replacedBy) rows.push(['被替换 replaced by', c.replacedBy]);
  rows.push(['首次医保结算 first medical settlement', c.firstMedicalSettlementAt ? shownTime(c.firstMedicalSettlementAt) : '-']);
  if (c.pushPending) rows.push(['待同步 push pending', 'the bank or the centre has not been told the latest state (retried at the next run)']);
  return rows;
}

/** A card and (when it has some) its history, newest first. */
export function cardText(view: CardView): string {
  let out = alignedRows(cardRows(view));
  if (view.events.length) {
    out += '\n历史 history (newest first)\n';
    out += alignedRows(view.events.map((e) => [`  ${shownTime(e.at)}`, `${EVENT_WORDS[e.kind]}${e.area ? ` [${AREA_NAMES[e.area].en}]` : ''}${e.place ? ` @${e.place}` : ''}: ${e.detail}`]));
  }
  return out;
}

/** What a change did, for the operator: its notes, then the card. */
export function changeText(result: ChangeResult): string {
  return `${result.notes.map((n) => `${n}\n`).join('')}\n${alignedRows(cardRows(result.view))}${pushesText(result.pushes)}`;
}

/** What the other hosts were told. */
export function pushesText(pushes: readonly PushReport[]): string {
  if (pushes.length === 0) return '';
  return `\n${alignedRows(pushes.map((p) => [p.target === 'bank' ? '  银行 bank' : '  医保中心 centre', p.ok ? p.action : `NOT TOLD: ${p.action} (${p.error})`]))}`;
}

/** A card for --json. */
export function cardJson(view: CardView) {
  const c = view.card;
  return {
    cardSn: c.cardSn,
    cardNumber: c.cardNumber,
    region: c.region,
    name: c.holder.name,
    idNumber: c.holder.idNumber,
    pan: c.pan ?? null,
    panSequence: c.panSequence ?? null,
    states: view.states,
    lifecycle: c.lifecycle,
    issuedAt: c.issuedAt,
    socialSecurityActivated: c.socialSecurityActivatedAt ? { at: c.socialSecurityActivatedAt, place: c.socialSecurityActivatedAtPlace } : null,
    financialActivated: c.financialActivatedAt ? { at: c.financialActivatedAt, place: c.financialActivatedAtPlace } : null,
    temporaryLoss: c.suspendedUntil ? { from: c.suspendedAt, until: c.suspendedUntil } : null,
    lostAt: c.lostAt,
    deregisteredAt: c.deregisteredAt,
    replaces: c.replaces,
    replacedBy: c.replacedBy,
    firstMedicalSettlementAt: c.firstMedicalSettlementAt,
    pushPending: c.pushPending,
    holder: c.holder,
    ...(view.events.length ? { events: view.events } : {}),
  };
}

/** A change for --json. */
export function changeJson(result: ChangeResult) {
  return { card: cardJson(result.view), notes: result.notes, pushes: result.pushes };
}

/** The answer to a use, one line. */
export function useText(use: CardUse): string {
  return use.usable ? `${use.message}` : `REFUSED ${use.message}`;
}
