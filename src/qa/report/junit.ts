/**
 * JUnit XML reports: the `testsuites / testsuite / testcase / failure` document that CI systems
 * (Jenkins, GitLab, GitHub Actions reporters, Azure DevOps) read. The format has no formal standard;
 * it is the one Apache Ant's JUnit task wrote and Maven Surefire continued. This writer emits the
 * subset both published schemas accept:
 *
 * - the Jenkins xunit plugin's `junit-10.xsd` (Surefire flavour): every document;
 * - Windy Road's `JUnit.xsd` (Apache Ant flavour, stricter: required `timestamp`, `hostname`, `id`,
 *   `package`, `<properties>`, suite-level `<system-out>`/`<system-err>`, at most one outcome per
 *   case and no per-case output): every document whose test cases carry no `systemOut`/`systemErr`.
 *
 * Both schemas are kept in `fixtures/schemas/` and the tests validate against them with `xmllint`.
 *
 * A test case has one outcome: passed (nothing), `failure` (the check failed: the card answered
 * something else), `error` (the check could not run: the reader failed) or `skipped`. Times are in
 * seconds. Text is written as UTF-8 (Chinese names and meanings stay readable); characters that XML 1.0
 * cannot carry (C0 controls other than tab/CR/LF, lone surrogates, U+FFFE/U+FFFF) are written as `\xNN`
 * / `\uNNNN` escapes so that nothing is silently dropped.
 */

/** Why a test case failed or errored: a `<failure>` or `<error>` element. */
export interface JUnitProblem {
  /** One line: what was expected and what came (the `message` attribute). */
  message: string;
  /** A short classifier, e.g. `StatusWordMismatch`, `TransportError` (the `type` attribute). */
  type: string;
  /** Details, several lines allowed (the element's text). */
  text?: string;
}

/** One test case: a `<testcase>` element. */
export interface JUnitTestCase {
  /** The case's name (e.g. `line 12: 00B2012C00`). */
  name: string;
  /** Its group, dotted (e.g. `sscard.script.select-ssse`). */
  classname: string;
  /** Elapsed time in seconds (≥ 0). */
  time: number;
  /** Set when the case failed: its check did not hold. */
  failure?: JUnitProblem;
  /** Set when the case could not run to its check (I/O failure, bad input). */
  error?: JUnitProblem;
  /** Set when the case was not run; `message` says why. */
  skipped?: { message?: string };
  /** What the case printed (exchanges, decoded responses). Not in the Ant schema. */
  systemOut?: string;
  /** Diagnostics the case printed. Not in the Ant schema. */
  systemErr?: string;
}

/** One suite: a `<testsuite>` element. */
export interface JUnitTestSuite {
  /** The suite's name (e.g. the script's file name, `ssse`). */
  name: string;
  cases: readonly JUnitTestCase[];
  /** The package attribute (default: the suite's name). */
  package?: string;
  /** When the suite started (default: the report's timestamp). */
  timestamp?: Date;
  /** Elapsed time in seconds (default: the sum of the cases' times). */
  time?: number;
  /** `<property name value>` pairs: reader, card, ATR, profile … */
  properties?: Readonly<Record<string, string>>;
  /** Output of the suite as a whole. */
  systemOut?: string;
  systemErr?: string;
}

/** A whole report: the `<testsuites>` document. */
export interface JUnitReport {
  /** When the run started: the suites' default timestamp (written in UTC, without a zone, as Ant does). */
  timestamp: Date;
  /** Host the run ran on (default `localhost`). */
  hostname?: string;
  suites: readonly JUnitTestSuite[];
}

/** Counts of a suite or a report, as the `tests/failures/errors/skipped` attributes give them. */
export interface JUnitCounts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** Seconds. */
  time: number;
}

/** What a test case's outcome is. */
export function outcomeOf(tc: JUnitTestCase): 'passed' | 'failure' | 'error' | 'skipped' {
  return tc.failure ? 'failure' : tc.error ? 'error' : tc.skipped ? 'skipped' : 'passed';
}

/** Counts the outcomes of some cases. */
export function countCases(cases: readonly JUnitTestCase[]): JUnitCounts {
  const c: JUnitCounts = { tests: cases.length, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const tc of cases) {
    const o = outcomeOf(tc);
    if (o === 'failure') c.failures++;
    else if (o === 'error') c.errors++;
    else if (o === 'skipped') c.skipped++;
    c.time += tc.time;
  }
  return c;
}

/** Counts over every suite of a report (suite times as written). */
export function countReport(report: JUnitReport): JUnitCounts {
  const total: JUnitCounts = { tests: 0, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const s of report.suites) {
    const c = countCases(s.cases);
    total.tests += c.tests;
    total.failures += c.failures;
    total.errors += c.errors;
    total.skipped += c.skipped;
    total.time += s.time ?? c.time;
  }
  return total;
}

/**
 * Writes a report as a JUnit XML document (UTF-8, with the XML declaration, ending in a newline).
 * Throws `TypeError` naming the case for a case with two outcomes, a negative or non-finite time, or an
 * empty suite or case name.
 */
export function junitXml(report: JUnitReport): string {
  const hostname = report.hostname ?? 'localhost';
  if (!hostname.trim()) throw new TypeError('junitXml: empty hostname');
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  // No attributes on <testsuites>: the Ant schema allows none; the totals are the suites' sums
  // (countReport), which is how CI systems compute them.
  out.push('<testsuites>');
  report.suites.forEach((suite, id) => {
    if (!suite.name.trim()) throw new TypeError(`junitXml: suite ${id} has an empty name`);
    const c = countCases(suite.cases);
    out.push(
      `  <testsuite${attrs({
        name: suite.name,
        package: suite.package ?? suite.name,
        id,
        tests: c.tests,
        failures: c.failures,
        errors: c.errors,
        skipped: c.skipped,
        time: seconds(suite.time ?? c.time, `suite "${suite.name}" time`),
        timestamp: antTimestamp(suite.timestamp ?? report.timestamp),
        hostname,
      })}>`,
    );
    const props = Object.entries(suite.properties ?? {});
    if (props.length === 0) out.push('    <properties/>');
    else {
      out.push('    <properties>');
      for (const [name, value] of props) {
        if (!name.trim()) throw new TypeError(`junitXml: suite "${suite.name}" has a property with an empty name`);
        out.push(`      <property${attrs({ name, value })}/>`);
      }
      out.push('    </properties>');
    }
    for (const tc of suite.cases) out.push(...testcase(tc, suite.name));
    out.push(`    ${element('system-out', suite.systemOut)}`);
    out.push(`    ${element('system-err', suite.systemErr)}`);
    out.push('  </testsuite>');
  });
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function testcase(tc: JUnitTestCase, suite: string): string[] {
  const where = `case "${tc.name}" of suite "${suite}"`;
  if (!tc.name.trim()) throw new TypeError(`junitXml: a case of suite "${suite}" has an empty name`);
  const outcomes = [tc.failure, tc.error, tc.skipped].filter((x) => x !== undefined).length;
  if (outcomes > 1) throw new TypeError(`junitXml: ${where} has more than one outcome (failure, error, skipped)`);
  const head = `    <testcase${attrs({ name: tc.name, classname: tc.classname, time: seconds(tc.time, `${where} time`) })}`;
  const body: string[] = [];
  const problem = (tag: 'failure' | 'error', p: JUnitProblem) =>
    body.push(`      <${tag}${attrs({ message: p.message, type: p.type })}${p.text ? `>${text(p.text)}</${tag}>` : '/>'}`);
  if (tc.failure) problem('failure', tc.failure);
  if (tc.error) problem('error', tc.error);
  if (tc.skipped) body.push(`      <skipped${attrs({ message: tc.skipped.message })}/>`);
  if (tc.systemOut !== undefined) body.push(`      ${element('system-out', tc.systemOut)}`);
  if (tc.systemErr !== undefined) body.push(`      ${element('system-err', tc.systemErr)}`);
  return body.length === 0 ? [`${head}/>`] : [`${head}>`, ...body, '    </testcase>'];
}

function element(tag: string, content: string | undefined): string {
  return content ? `<${tag}>${text(content)}</${tag}>` : `<${tag}/>`;
}

/** Seconds with millisecond precision, as Surefire writes them (`0.012`); matches both schemas. */
function seconds(value: number, what: string): string {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`junitXml: ${what} must be a finite number ≥ 0, got ${value}`);
  return value.toFixed(3);
}

/** `2026-12-01T08:30:00`: ISO 8601 in UTC without zone or fraction (the Ant schema's pattern). */
function antTimestamp(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new TypeError('junitXml: invalid timestamp');
  return d.toISOString().slice(0, 19);
}

function attrs(values: Record<string, string | number | undefined>): string {
  let s = '';
  for (const [k, v] of Object.entries(values)) if (v !== undefined) s += ` ${k}="${attribute(String(v))}"`;
  return s;
}

/**
 * Characters XML 1.0 §2.2 does not allow (C0 controls other than TAB, LF, CR; lone surrogates;
 * U+FFFE, U+FFFF), written as visible escapes.
 */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function visible(s: string): string {
  return s.replace(NOT_XML_CHAR, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Element text: `&`, `<`, `>` escaped (so `]]>` cannot appear); CR kept as a reference. */
function text(s: string): string {
  return visible(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

/** Attribute value: also quotes, and TAB/LF/CR as references, which attribute normalisation would turn into spaces. */
function attribute(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

/**
 * Writes the report to a file atomically (a temporary file in the same directory, then a rename), so
 * that a CI job never reads half a report.
 */
export async function writeJUnitFile(file: string, report: JUnitReport): Promise<void> {
  const { writeFile, rename, mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, junitXml(report), 'utf8');
  await rename(tmp, file);
}
