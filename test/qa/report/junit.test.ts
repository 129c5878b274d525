// The JUnit writer against the published schemas (fixtures/schemas: the Jenkins xunit plugin's
// junit-10.xsd and Windy Road's Ant JUnit.xsd), checked with xmllint; what the document says (counts,
// names, messages, text) read back with an independent XML parser (Python's xml.etree).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countReport, junitXml, writeJUnitFile, type JUnitReport, type JUnitTestCase } from '../../../src/qa/report/junit.js';

const SCHEMAS = new URL('../../../fixtures/schemas/', import.meta.url).pathname;
const JENKINS = join(SCHEMAS, 'junit-10.xsd');
const ANT = join(SCHEMAS, 'JUnit-windyroad.xsd');
const dir = mkdtempSync(join(tmpdir(), 'sscard-junit-'));

const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasXmllint) console.warn('[junit] skipping the schema tests: xmllint not found (Debian: apt-get install libxml2-utils)');

let n = 0;
/** xmllint --schema on a document; returns its exit status and messages. */
function validate(xml: string, schema: string): { ok: boolean; messages: string } {
  const file = join(dir, `doc-${++n}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--schema', schema, file], { encoding: 'utf8' });
  return { ok: r.status === 0, messages: r.stderr };
}

interface Parsed {
  tag: string;
  attrib: Record<string, string>;
  text: string | null;
  children: Parsed[];
}
/** The document as Python's ElementTree reads it. */
function parse(xml: string): Parsed {
  const script = `
import json, sys, xml.etree.ElementTree as ET
def walk(e): return {"tag": e.tag, "attrib": dict(e.attrib), "text": e.text, "children": [walk(c) for c in e]}
print(json.dumps(walk(ET.fromstring(sys.stdin.buffer.read()))))`;
  return JSON.parse(execFileSync('python3', ['-c', script], { input: xml, encoding: 'utf8' })) as Parsed;
}

const at = new Date('2026-12-01T08:30:05.250Z');

function sample(withCaseOutput: boolean): JUnitReport {
  const cases: JUnitTestCase[] = [
    { name: 'line 3: SELECT SSSE', classname: 'sscard.script.ssse', time: 0.0042 },
    {
      name: 'line 7: READ RECORD EF05 #1',
      classname: 'sscard.script.ssse',
      time: 0.0011,
      failure: {
        message: 'line 7: expected SW 9000, got 6982 security status not satisfied (安全状态不满足)',
        type: 'StatusWordMismatch',
        text: '> 00B2010400\n< 6982\nexpected: < 01 10 ** 90 00\n',
      },
      ...(withCaseOutput ? { systemOut: '> 00B2010400\n< 6982  6982 security status not satisfied (安全状态不满足)\n' } : {}),
    },
    { name: 'line 9: GET CHALLENGE', classname: 'sscard.script.ssse', time: 0, error: { message: 'the card was removed', type: 'TransportError' } },
    { name: 'line 12: VERIFY', classname: 'sscard.script.ssse', time: 0, skipped: { message: 'not run after the first mismatch' } },
  ];
  return {
    timestamp: at,
    hostname: 'ci-runner-1',
    suites: [
      { name: 'fixtures/scripts/ssse-read.txt', cases, properties: { reader: 'Virtual PCD 00 00', atr: '3B6D000000814A444686605199000001AC' }, systemOut: 'ATR 3B6D…' },
      { name: 'empty', cases: [] },
    ],
  };
}

describe.skipIf(!hasXmllint)('JUnit XML against the published schemas', () => {
  it('a report with every outcome and per-case output validates against the Jenkins (Surefire) schema', () => {
    const xml = junitXml(sample(true));
    const r = validate(xml, JENKINS);
    expect(r.ok, `${r.messages}\n${xml}`).toBe(true);
  });

  it('without per-case output it also validates against the stricter Ant schema', () => {
    const xml = junitXml(sample(false));
    for (const schema of [JENKINS, ANT]) {
      const r = validate(xml, schema);
      expect(r.ok, `${schema}: ${r.messages}\n${xml}`).toBe(true);
    }
  });

  it('the validators reject documents that break them (the check is not vacuous)', () => {
    const good = junitXml(sample(false));
    const broken = [
      good.replace('<testcase name="line 3: SELECT SSSE"', '<testcase'), // testcase without name
      good.replace(/ failures="1"/, ''), // testsuite without failures
      good.replace('<testsuites>', '<testsuites><bogus/>'), // unknown element
    ];
    for (const xml of broken) {
      expect(validate(xml, JENKINS).ok, xml).toBe(false);
      expect(validate(xml, ANT).ok, xml).toBe(false);
    }
    // Ant allows one outcome per case and no per-case output: the Surefire-only document fails it
    expect(validate(junitXml(sample(true)), ANT).ok).toBe(false);
  });
});

describe.skipIf(!hasPython)('what the document says, read by another parser', () => {
  it('testsuites/testsuite/testcase/failure with counts, names, messages, text and Chinese intact', () => {
    const doc = parse(junitXml(sample(true)));
    expect(doc.tag).toBe('testsuites');
    expect(doc.attrib).toEqual({});
    const [suite, empty] = doc.children;
    expect(suite!.tag).toBe('testsuite');
    expect(suite!.attrib).toEqual({
      name: 'fixtures/scripts/ssse-read.txt',
      package: 'fixtures/scripts/ssse-read.txt',
      id: '0',
      tests: '4',
      failures: '1',
      errors: '1',
      skipped: '1',
      time: '0.005',
      timestamp: '2026-12-01T08:30:05',
      hostname: 'ci-runner-1',
    });
    expect(empty!.attrib).toMatchObject({ name: 'empty', id: '1', tests: '0', failures: '0', errors: '0', time: '0.000' });
    const [props, ...rest] = suite!.children;
    expect(props!.children.map((p) => p.attrib)).toEqual([
      { name: 'reader', value: 'Virtual PCD 00 00' },
      { name: 'atr', value: '3B6D000000814A444686605199000001AC' },
    ]);
    const cases = rest.filter((c) => c.tag === 'testcase');
    expect(cases.map((c) => [c.attrib.name, c.attrib.classname, c.attrib.time])).toEqual([
      ['line 3: SELECT SSSE', 'sscard.script.ssse', '0.004'],
      ['line 7: READ RECORD EF05 #1', 'sscard.script.ssse', '0.001'],
      ['line 9: GET CHALLENGE', 'sscard.script.ssse', '0.000'],
      ['line 12: VERIFY', 'sscard.script.ssse', '0.000'],
    ]);
    expect(cases[0]!.children).toEqual([]);
    const failure = cases[1]!.children[0]!;
    expect(failure.tag).toBe('failure');
    expect(failure.attrib).toEqual({ message: 'line 7: expected SW 9000, got 6982 security status not satisfied (安全状态不满足)', type: 'StatusWordMismatch' });
    expect(failure.text).toBe('> 00B2010400\n< 6982\nexpected: < 01 10 ** 90 00\n');
    expect(cases[1]!.children[1]).toMatchObject({ tag: 'system-out', text: '> 00B2010400\n< 6982  6982 security status not satisfied (安全状态不满足)\n' });
    expect(cases[2]!.children[0]).toMatchObject({ tag: 'error', attrib: { message: 'the card was removed', type: 'TransportError' } });
    expect(cases[3]!.children[0]).toMatchObject({ tag: 'skipped', attrib: { message: 'not run after the first mismatch' } });
    expect(rest.slice(-2).map((c) => [c.tag, c.text])).toEqual([['system-out', 'ATR 3B6D…'], ['system-err', null]]);
    expect(countReport(sample(true))).toMatchObject({ tests: 4, failures: 1, errors: 1, skipped: 1 });
  });

  it('any text survives: markup characters, newlines, tabs and quotes in attributes; unrepresentable characters escaped visibly', () => {
    // Read back by Python's parser, each string equals the input with only the characters XML 1.0 cannot
    // carry replaced by \xNN / \uNNNN. One document per run holds many strings (one python3 call per run).
    const visible = (s: string) =>
      s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, (c) => {
        const code = c.charCodeAt(0);
        return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
      });
    const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '\n', '\r', '\t', ']]>', ' ', '安', '\u0001', '\uD800'), maxLength: 12 }));
    const nonEmpty = anyText.filter((s) => s.trim().length > 0);
    fc.assert(
      fc.property(fc.array(fc.record({ name: nonEmpty, classname: anyText, message: anyText, text: anyText, out: anyText }), { minLength: 1, maxLength: 8 }), (items) => {
        const report: JUnitReport = {
          timestamp: at,
          suites: [{ name: 'p', cases: items.map((i) => ({ name: i.name, classname: i.classname, time: 0.5, failure: { message: i.message, type: 'T', text: i.text }, systemOut: i.out })) }],
        };
        const xml = junitXml(report);
        const cases = parse(xml).children[0]!.children.filter((c) => c.tag === 'testcase');
        expect(cases).toHaveLength(items.length);
        items.forEach((i, k) => {
          const c = cases[k]!;
          expect(c.attrib.name).toBe(visible(i.name));
          expect(c.attrib.classname).toBe(visible(i.classname));
          expect(c.children[0]!.attrib.message).toBe(visible(i.message));
          expect(c.children[0]!.text ?? '').toBe(visible(i.text));
          expect(c.children[1]!.text ?? '').toBe(visible(i.out));
        });
        if (hasXmllint) expect(validate(xml, JENKINS).ok).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});

describe('the writer refuses what no schema can say', () => {
  const base = (tc: Partial<JUnitTestCase>): JUnitReport => ({ timestamp: at, suites: [{ name: 's', cases: [{ name: 'c', classname: 'k', time: 0, ...tc }] }] });
  it('two outcomes, negative or non-finite time, empty names', () => {
    expect(() => junitXml(base({ failure: { message: 'm', type: 't' }, skipped: {} }))).toThrow(/case "c" of suite "s" has more than one outcome/);
    expect(() => junitXml(base({ time: -1 }))).toThrow(/time must be a finite number ≥ 0, got -1/);
    expect(() => junitXml(base({ time: Number.NaN }))).toThrow(TypeError);
    expect(() => junitXml(base({ name: ' ' }))).toThrow(/empty name/);
    expect(() => junitXml({ timestamp: at, suites: [{ name: '', cases: [] }] })).toThrow(/suite 0 has an empty name/);
    expect(() => junitXml({ timestamp: new Date(Number.NaN), suites: [{ name: 's', cases: [] }] })).toThrow(/invalid timestamp/);
  });

  it('writeJUnitFile writes the same document atomically, creating the directory', async () => {
    const file = join(dir, 'sub', 'dir', 'report.xml');
    await writeJUnitFile(file, sample(false));
    expect(readFileSync(file, 'utf8')).toBe(junitXml(sample(false)));
  });
});
