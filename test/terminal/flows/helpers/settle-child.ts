/**
 * A terminal process the kill tests kill (run with `node --import tsx settle-child.ts <dir> <scenario>
 * <pauseAt>`, a point number or name): it opens the world of a state directory (test/terminal/flows/helpers/world.ts), runs
 * the scenario's settlement (or cancel), and counts the points it passes — every journal write, every
 * return of a call to the centre or the issuer (the effect is committed there, the flow has not seen
 * the answer yet), every card answer to GENERATE AC and to the medical DEBIT. At point number `pauseAt`
 * it prints `PAUSED <n> <point>` and waits: the parent kills it with SIGKILL there. A run that ends
 * before prints `DONE <points> <outcome>`; with `pauseAt` 0 it runs to the end and lists every point
 * (`POINT <n> <point>`).
 */
import { toHex } from '../../../../src/apdu/bytes.js';
import type { Transport, TransportLayer } from '../../../../src/apdu/transport.js';
import type { CentrePort } from '../../../../src/terminal/flows/hospital-settlement.js';
import type { IssuerPort } from '../../../../src/terminal/hosts/issuer/issuer-port.js';
import { withLayers } from '../../../../src/terminal/reader.js';
import { SCENARIOS, type ScenarioName } from './kill-scenarios.js';
import { openWorld } from './world.js';

const [dir, scenarioName, pauseText] = process.argv.slice(2);
if (!dir || !scenarioName || !pauseText) {
  process.stderr.write('usage: settle-child.ts <state-dir> <scenario> <pauseAt>\n');
  process.exit(2);
}
const scenario = SCENARIOS[scenarioName as ScenarioName];
// a number (the n-th point), or a point's name with an optional occurrence (`card.GENERATE-AC#2`)
const byNumber = /^\d+$/.test(pauseText);
const pauseAt = byNumber ? Number(pauseText) : 0;
const [pauseName, occurrenceText] = byNumber ? [] : pauseText.split('#');
const occurrence = Number(occurrenceText ?? 1);
const seen = new Map<string, number>();
let count = 0;

async function point(name: string): Promise<void> {
  count++;
  seen.set(name, (seen.get(name) ?? 0) + 1);
  if (byNumber && pauseAt === 0) process.stdout.write(`POINT ${count} ${name}\n`);
  if ((byNumber && count === pauseAt) || (name === pauseName && seen.get(name) === occurrence)) {
    process.stdout.write(`PAUSED ${count} ${name}\n`);
    await new Promise(() => {}); // until SIGKILL
  }
}

function watchedIssuer(inner: IssuerPort): IssuerPort {
  return {
    async authorise(r) {
      const out = await inner.authorise(r);
      await point('issuer.authorise');
      return out;
    },
    async complete(c) {
      await inner.complete(c);
      await point('issuer.complete');
    },
    async reverse(id, why) {
      await inner.reverse(id, why);
      await point('issuer.reverse');
    },
    async clearOffline(c) {
      const out = await inner.clearOffline(c);
      await point('issuer.clearOffline');
      return out;
    },
  };
}

const CENTRE_METHODS = [
  'personInfo', 'registerOutpatient', 'uploadOutpatientFees', 'preSettleOutpatient', 'settleOutpatient', 'cancelOutpatient',
  'admit', 'uploadInpatientFees', 'preSettleInpatient', 'settleInpatient', 'cancelInpatient', 'reverse',
] as const;

function watchedCentre(inner: CentrePort): CentrePort {
  const out: Record<string, unknown> = {};
  for (const m of CENTRE_METHODS) {
    out[m] = async (...args: unknown[]) => {
      const r = await (inner[m] as (...a: unknown[]) => unknown)(...args);
      await point(`centre.${m}`);
      return r;
    };
  }
  return out as unknown as CentrePort;
}

/** Card answers after which the card has changed: GENERATE AC (ATC, cryptogram) and the medical DEBIT. */
const watchedCard: TransportLayer = (inner: Transport): Transport => ({
  async transmit(command) {
    const response = await inner.transmit(command);
    const hex = toHex(command);
    if (hex.startsWith('80AE')) await point('card.GENERATE-AC');
    if (hex.startsWith('B02C')) await point('card.DEBIT');
    return response;
  },
});

const w = await openWorld(dir);
const flow = w.flow({
  centre: watchedCentre(w.centre.centre),
  issuer: watchedIssuer(w.issuer),
  hooks: { journalWritten: (p) => point(`journal.${p.step}:${p.phase}`) },
});
const presented = w.presented();
const outcome = await scenario.run(flow, { ...presented, reader: withLayers(presented.reader, watchedCard) });
process.stdout.write(`DONE ${count} ${outcome}\n`);
await w.close();
