/**
 * The SQLite adapter of the centre's storage port (`store.ts`): `centre.sqlite` in the state directory
 * (docs/architecture.md "Host state"), opened by `openStateDatabase` (WAL, synchronous=FULL, foreign
 * keys, versioned schema steps). Amounts are INTEGER fen; CHECK constraints refuse a negative balance
 * and a second valid settlement of one outpatient charge batch, as a last line behind the domain logic.
 */
import type { Statement } from 'better-sqlite3';
import { openStateDatabase, type SqliteDatabase, type StateLocation } from '../storage/sqlite.js';
import type { AnnualRecord, CardRecord, FeeDetailRecord, LedgerEntry, MessageRecord, PersonRecord, SettlementRecord, VisitRecord } from './model.js';
import type { CentreStore, LedgerQuery } from './store.js';

/** The database's name in the state directory (`centre.sqlite`). */
export const CENTRE_DATABASE = 'centre';

/** Schema steps, oldest first. Never edit a released step: append one. */
export const CENTRE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  CREATE TABLE persons (
    psn_no TEXT PRIMARY KEY, psn_cert_type TEXT NOT NULL, certno TEXT NOT NULL UNIQUE, psn_name TEXT NOT NULL,
    gend TEXT NOT NULL, naty TEXT NOT NULL, brdy TEXT NOT NULL, insutype TEXT NOT NULL, psn_type TEXT NOT NULL,
    psn_insu_stas TEXT NOT NULL, psn_insu_date TEXT NOT NULL, cvlserv_flag TEXT NOT NULL, insuplc_admdvs TEXT NOT NULL,
    emp_name TEXT NOT NULL, balance INTEGER NOT NULL CHECK (balance >= 0), enrolled_at TEXT NOT NULL
  );
  CREATE TABLE cards (
    card_sn TEXT PRIMARY KEY, card_no TEXT, psn_no TEXT NOT NULL REFERENCES persons(psn_no),
    status TEXT NOT NULL CHECK (status IN ('active', 'deregistered')), bound_at TEXT NOT NULL
  );
  CREATE INDEX cards_by_person ON cards(psn_no);
  CREATE TABLE annual (
    psn_no TEXT NOT NULL REFERENCES persons(psn_no), year INTEGER NOT NULL,
    dedc_paid INTEGER NOT NULL CHECK (dedc_paid >= 0), fund_paid INTEGER NOT NULL CHECK (fund_paid >= 0),
    PRIMARY KEY (psn_no, year)
  );
  CREATE TABLE visits (
    mdtrt_id TEXT PRIMARY KEY, psn_no TEXT NOT NULL REFERENCES persons(psn_no), kind TEXT NOT NULL, med_type TEXT NOT NULL,
    insutype TEXT NOT NULL, begntime TEXT NOT NULL, ipt_otp_no TEXT NOT NULL, mdtrt_cert_type TEXT NOT NULL,
    mdtrt_cert_no TEXT NOT NULL, fixmedins_code TEXT NOT NULL, fixmedins_name TEXT NOT NULL, mdtrtarea_admvs TEXT NOT NULL,
    dept_code TEXT NOT NULL, dept_name TEXT NOT NULL, atddr_no TEXT NOT NULL, dr_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'discharged', 'cancelled')), msgid TEXT NOT NULL, created_at TEXT NOT NULL
  );
  CREATE INDEX visits_by_hospital_no ON visits(fixmedins_code, ipt_otp_no);
  CREATE TABLE fee_details (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    mdtrt_id TEXT NOT NULL REFERENCES visits(mdtrt_id), feedetl_sn TEXT NOT NULL, chrg_bchno TEXT NOT NULL, psn_no TEXT NOT NULL,
    med_list_codg TEXT NOT NULL, medins_list_codg TEXT NOT NULL, medins_list_name TEXT NOT NULL, fee_ocur_time TEXT NOT NULL,
    cnt INTEGER NOT NULL, pric INTEGER NOT NULL, det_item_fee_sumamt INTEGER NOT NULL, chrgitm_lv TEXT NOT NULL,
    med_chrgitm_type TEXT NOT NULL, selfpay_prop INTEGER NOT NULL, pric_uplmt_amt INTEGER, fulamt_ownpay_amt INTEGER NOT NULL,
    overlmt_amt INTEGER NOT NULL, preselfpay_amt INTEGER NOT NULL, inscp_scp_amt INTEGER NOT NULL,
    bilg_dept_codg TEXT NOT NULL, bilg_dr_codg TEXT NOT NULL, msgid TEXT NOT NULL, setl_id TEXT,
    UNIQUE (mdtrt_id, feedetl_sn)
  );
  CREATE TABLE settlements (
    setl_id TEXT PRIMARY KEY, mdtrt_id TEXT NOT NULL REFERENCES visits(mdtrt_id), psn_no TEXT NOT NULL REFERENCES persons(psn_no),
    kind TEXT NOT NULL, chrg_bchno TEXT NOT NULL, med_type TEXT NOT NULL, insutype TEXT NOT NULL, psn_type TEXT NOT NULL,
    setl_time TEXT NOT NULL, year INTEGER NOT NULL, acct_used_flag TEXT NOT NULL, psn_setlway TEXT NOT NULL,
    mid_setl_flag TEXT NOT NULL, invono TEXT NOT NULL, policy TEXT NOT NULL, fixmedins_code TEXT NOT NULL,
    mdtrtarea_admvs TEXT NOT NULL, insuplc_admdvs TEXT NOT NULL, clr_optins TEXT NOT NULL, clr_type TEXT NOT NULL,
    clr_way TEXT NOT NULL, msgid TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('settled', 'cancelled')),
    cancel_id TEXT, cancel_time TEXT, cancel_msgid TEXT, cancel_balc INTEGER,
    medfee_sumamt INTEGER NOT NULL, fulamt_ownpay_amt INTEGER NOT NULL, overlmt_selfpay INTEGER NOT NULL,
    preselfpay_amt INTEGER NOT NULL, inscp_scp_amt INTEGER NOT NULL, act_pay_dedc INTEGER NOT NULL, hifp_pay INTEGER NOT NULL,
    pool_prop_selfpay INTEGER NOT NULL, fund_pay_sumamt INTEGER NOT NULL, psn_part_amt INTEGER NOT NULL,
    acct_pay INTEGER NOT NULL, psn_cash_pay INTEGER NOT NULL, balc INTEGER NOT NULL, cap_left INTEGER NOT NULL,
    CHECK (medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt),
    CHECK (psn_part_amt = medfee_sumamt - fund_pay_sumamt AND psn_cash_pay = psn_part_amt - acct_pay)
  );
  CREATE INDEX settlements_by_visit ON settlements(mdtrt_id);
  CREATE INDEX settlements_by_person ON settlements(psn_no);
  CREATE UNIQUE INDEX one_valid_settlement_per_batch ON settlements(mdtrt_id, chrg_bchno)
    WHERE status = 'settled' AND kind = 'outpatient';
  CREATE TABLE ledger (
    entry_no INTEGER PRIMARY KEY AUTOINCREMENT, setl_id TEXT NOT NULL REFERENCES settlements(setl_id),
    kind TEXT NOT NULL CHECK (kind IN ('settle', 'cancel')), time TEXT NOT NULL, fixmedins_code TEXT NOT NULL,
    clr_optins TEXT NOT NULL, clr_type TEXT NOT NULL, insutype TEXT NOT NULL, fund_pay_type TEXT NOT NULL,
    medfee_sumamt INTEGER NOT NULL, fund_pay_sumamt INTEGER NOT NULL, acct_pay INTEGER NOT NULL, psn_cash_pay INTEGER NOT NULL,
    UNIQUE (setl_id, kind)
  );
  CREATE TABLE messages (
    msgid TEXT PRIMARY KEY, infno TEXT NOT NULL, digest TEXT NOT NULL, output TEXT NOT NULL, psn_no TEXT NOT NULL,
    subject TEXT NOT NULL, created_at TEXT NOT NULL, reversed_by TEXT
  );
  `,
];

/** The storage port on a SQLite database. */
export class SqliteCentreStore implements CentreStore {
  readonly #db: SqliteDatabase;
  readonly #statements = new Map<string, Statement<unknown[]>>();

  /** Opens `centre.sqlite` in a state directory (or an in-memory database) and brings its schema up to date. */
  static open(location: StateLocation): SqliteCentreStore {
    return new SqliteCentreStore(openStateDatabase(location, CENTRE_DATABASE, CENTRE_MIGRATIONS));
  }

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** Path of the database file (":memory:" for an in-memory one). */
  get file(): string {
    return this.#db.name;
  }

  #stmt(sql: string): Statement<unknown[]> {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare<unknown[]>(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  #insert(table: string, row: object): void {
    const keys = Object.keys(row);
    this.#stmt(`INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`).run(row);
  }

  #get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.#stmt(sql).get(...params) as T | undefined;
  }

  #all<T>(sql: string, ...params: unknown[]): T[] {
    return this.#stmt(sql).all(...params) as T[];
  }

  #run(sql: string, ...params: unknown[]): number {
    return this.#stmt(sql).run(...params).changes;
  }

  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn)();
  }

  nextSequence(name: string): number {
    const row = this.#get<{ value: number }>(
      'INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value',
      name,
    );
    return row!.value;
  }

  insertPerson(p: PersonRecord): void {
    this.#insert('persons', p);
  }
  getPerson(psn_no: string): PersonRecord | undefined {
    return this.#get('SELECT * FROM persons WHERE psn_no = ?', psn_no);
  }
  findPersonByCertno(certno: string): PersonRecord | undefined {
    return this.#get('SELECT * FROM persons WHERE certno = ?', certno);
  }
  listPersons(): PersonRecord[] {
    return this.#all('SELECT * FROM persons ORDER BY psn_no');
  }
  setBalance(psn_no: string, balance: number): void {
    this.#expectOne(this.#run('UPDATE persons SET balance = ? WHERE psn_no = ?', balance, psn_no), `person ${psn_no}`);
  }
  setInsuranceStatus(psn_no: string, psn_insu_stas: string): void {
    this.#expectOne(this.#run('UPDATE persons SET psn_insu_stas = ? WHERE psn_no = ?', psn_insu_stas, psn_no), `person ${psn_no}`);
  }

  insertCard(c: CardRecord): void {
    this.#insert('cards', c);
  }
  getCard(card_sn: string): CardRecord | undefined {
    return this.#get('SELECT * FROM cards WHERE card_sn = ?', card_sn);
  }
  cardsOf(psn_no: string): CardRecord[] {
    return this.#all('SELECT * FROM cards WHERE psn_no = ? ORDER BY bound_at, card_sn', psn_no);
  }
  setCardStatus(card_sn: string, status: CardRecord['status']): void {
    this.#expectOne(this.#run('UPDATE cards SET status = ? WHERE card_sn = ?', status, card_sn), `card ${card_sn}`);
  }

  getAnnual(psn_no: string, year: number): AnnualRecord {
    return this.#get('SELECT * FROM annual WHERE psn_no = ? AND year = ?', psn_no, year) ?? { psn_no, year, dedc_paid: 0, fund_paid: 0 };
  }
  putAnnual(a: AnnualRecord): void {
    this.#run(
      'INSERT INTO annual (psn_no, year, dedc_paid, fund_paid) VALUES (@psn_no, @year, @dedc_paid, @fund_paid) ' +
        'ON CONFLICT(psn_no, year) DO UPDATE SET dedc_paid = excluded.dedc_paid, fund_paid = excluded.fund_paid',
      a,
    );
  }

  insertVisit(v: VisitRecord): void {
    this.#insert('visits', v);
  }
  getVisit(mdtrt_id: string): VisitRecord | undefined {
    return this.#get('SELECT * FROM visits WHERE mdtrt_id = ?', mdtrt_id);
  }
  findVisitByHospitalNo(fixmedins_code: string, ipt_otp_no: string, psn_no: string): VisitRecord | undefined {
    return this.#get(
      "SELECT * FROM visits WHERE fixmedins_code = ? AND ipt_otp_no = ? AND psn_no = ? AND status <> 'cancelled' ORDER BY rowid DESC LIMIT 1",
      fixmedins_code,
      ipt_otp_no,
      psn_no,
    );
  }
  setVisitStatus(mdtrt_id: string, status: VisitRecord['status']): void {
    this.#expectOne(this.#run('UPDATE visits SET status = ? WHERE mdtrt_id = ?', status, mdtrt_id), `visit ${mdtrt_id}`);
  }

  insertFeeDetail(f: FeeDetailRecord): void {
    this.#insert('fee_details', f);
  }
  getFeeDetail(mdtrt_id: string, feedetl_sn: string): FeeDetailRecord | undefined {
    return this.#withoutSeq(this.#get('SELECT * FROM fee_details WHERE mdtrt_id = ? AND feedetl_sn = ?', mdtrt_id, feedetl_sn));
  }
  feeDetailsOf(mdtrt_id: string, filter: { chrg_bchno?: string; setl_id?: string | null; msgid?: string } = {}): FeeDetailRecord[] {
    const where = ['mdtrt_id = @mdtrt_id'];
    const params: Record<string, unknown> = { mdtrt_id };
    if (filter.chrg_bchno !== undefined) {
      where.push('chrg_bchno = @chrg_bchno');
      params.chrg_bchno = filter.chrg_bchno;
    }
    if (filter.setl_id === null) where.push('setl_id IS NULL');
    else if (filter.setl_id !== undefined) {
      where.push('setl_id = @setl_id');
      params.setl_id = filter.setl_id;
    }
    if (filter.msgid !== undefined) {
      where.push('msgid = @msgid');
      params.msgid = filter.msgid;
    }
    return this.#all<FeeDetailRecord & { seq?: number }>(`SELECT * FROM fee_details WHERE ${where.join(' AND ')} ORDER BY seq`, params).map(
      (r) => this.#withoutSeq(r)!,
    );
  }
  setFeeDetailSettlement(mdtrt_id: string, feedetl_sns: readonly string[], setl_id: string | null): void {
    for (const sn of feedetl_sns) {
      this.#expectOne(this.#run('UPDATE fee_details SET setl_id = ? WHERE mdtrt_id = ? AND feedetl_sn = ?', setl_id, mdtrt_id, sn), `fee detail ${mdtrt_id}/${sn}`);
    }
  }
  deleteFeeDetails(mdtrt_id: string, feedetl_sns: readonly string[]): void {
    for (const sn of feedetl_sns) {
      this.#expectOne(this.#run('DELETE FROM fee_details WHERE mdtrt_id = ? AND feedetl_sn = ?', mdtrt_id, sn), `fee detail ${mdtrt_id}/${sn}`);
    }
  }

  insertSettlement(s: SettlementRecord): void {
    this.#insert('settlements', s);
  }
  getSettlement(setl_id: string): SettlementRecord | undefined {
    return this.#get('SELECT * FROM settlements WHERE setl_id = ?', setl_id);
  }
  settlementsOf(mdtrt_id: string): SettlementRecord[] {
    return this.#all('SELECT * FROM settlements WHERE mdtrt_id = ? ORDER BY rowid', mdtrt_id);
  }
  settlementsOfPerson(psn_no: string, limit: number): SettlementRecord[] {
    return this.#all('SELECT * FROM settlements WHERE psn_no = ? ORDER BY rowid DESC LIMIT ?', psn_no, limit);
  }
  markCancelled(setl_id: string, c: { cancel_id: string; cancel_time: string; cancel_msgid: string; cancel_balc: number }): void {
    this.#expectOne(
      this.#run(
        "UPDATE settlements SET status = 'cancelled', cancel_id = @cancel_id, cancel_time = @cancel_time, cancel_msgid = @cancel_msgid, " +
          "cancel_balc = @cancel_balc WHERE setl_id = @setl_id AND status = 'settled'",
        { ...c, setl_id },
      ),
      `valid settlement ${setl_id}`,
    );
  }

  appendLedger(e: LedgerEntry): void {
    const { entry_no: _ignored, ...row } = e;
    this.#insert('ledger', row);
  }
  ledger(q: LedgerQuery): LedgerEntry[] {
    return this.#all(
      'SELECT * FROM ledger WHERE fixmedins_code = @fixmedins_code AND clr_optins = @clr_optins AND insutype = @insutype ' +
        'AND clr_type = @clr_type AND substr(time, 1, 10) BETWEEN @from AND @to ORDER BY entry_no',
      q,
    );
  }
  ledgerTotals() {
    return this.#get<{ entries: number; medfee_sumamt: number; fund_pay_sumamt: number; acct_pay: number; psn_cash_pay: number }>(
      'SELECT count(*) AS entries, coalesce(sum(medfee_sumamt), 0) AS medfee_sumamt, coalesce(sum(fund_pay_sumamt), 0) AS fund_pay_sumamt, ' +
        'coalesce(sum(acct_pay), 0) AS acct_pay, coalesce(sum(psn_cash_pay), 0) AS psn_cash_pay FROM ledger',
    )!;
  }

  getMessage(msgid: string): MessageRecord | undefined {
    return this.#get('SELECT * FROM messages WHERE msgid = ?', msgid);
  }
  putMessage(m: MessageRecord): void {
    this.#insert('messages', m);
  }
  markReversed(msgid: string, by: string): void {
    this.#expectOne(this.#run('UPDATE messages SET reversed_by = ? WHERE msgid = ? AND reversed_by IS NULL', by, msgid), `unreversed message ${msgid}`);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #withoutSeq(row: (FeeDetailRecord & { seq?: number }) | undefined): FeeDetailRecord | undefined {
    if (!row) return undefined;
    const { seq: _seq, ...rest } = row;
    return rest;
  }

  #expectOne(changes: number, what: string): void {
    if (changes !== 1) throw new Error(`storage: expected to change one row (${what}), changed ${changes}`);
  }
}
