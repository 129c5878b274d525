/**
 * The long pcscd load runs (`npm run fuzz -- pcscd`), on a private pcscd with its own reader.conf
 * (test/e2e/pcscd-load.ts says what is checked):
 *   1. 8 served cards × 8 concurrent PC/SC clients for 60 s (FUZZ_SECONDS): zero errors, no state lost;
 *   2. the same load for 30 s with pcscd restarted every 5 s: sscard serve keeps serving (reconnects),
 *      clients reconnect, no wrong answer, no ATC seen twice, every image file consistent and valid;
 *   3. the same for 30 s with `sscard serve` killed (SIGKILL) every 5 s and started again: a power cut
 *      of the card program in the middle of commands; the same checks.
 * Exits 1 when a check fails. Results: docs/robustness.md, "vpcd and pcscd".
 */
import { loadavg } from 'node:os';
import { probePcscd } from '../test/e2e/private-pcscd.js';
import { pyscardAvailable, runPcscdLoad, type LoadReport } from '../test/e2e/pcscd-load.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 60);

function summary(name: string, r: LoadReport): boolean {
  const atc = r.cards.map((c) => `${c.atcAfter - c.atcBefore}/${c.gpoOk}/${c.gpoSent}`).join(' ');
  console.log(`${name}: ${r.sequences} sequences (${(r.sequences * 6).toLocaleString('en-US')} APDUs) in ${r.seconds.toFixed(1)} s, ` +
    `${(r.sequences / r.seconds).toFixed(0)} sequences/s; disruptions ${r.restarts}, client interruptions ${r.interruptions}`);
  console.log(`  per card ATC growth / GPOs answered / sent: ${atc}`);
  console.log(`  ATC values seen twice: ${r.cards.reduce((n, c) => n + c.duplicates, 0)}; serve exit ${r.serveExit}; errors ${r.errors.length}`);
  for (const p of r.problems) console.log(`  PROBLEM: ${p}`);
  return r.problems.length === 0;
}

const probe = probePcscd({ slots: 8, mode: 'private' });
if (!probe.ok || !pyscardAvailable()) {
  console.log(`pcscd load run skipped: ${!probe.ok ? probe.reason : 'pyscard is not installed (apt-get install python3-pyscard)'}`);
  process.exit(0);
}
console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const progress = (line: string) => process.stderr.write(`  ${line}\n`);
const steady = await runPcscdLoad({ cards: 8, clients: 8, seconds: SECONDS, progress });
const ok1 = summary(`8 cards × 8 clients, ${SECONDS} s`, steady);
const restartSeconds = Math.max(10, Math.round(SECONDS / 2));
const restarted = await runPcscdLoad({ cards: 8, clients: 8, seconds: restartSeconds, restartEveryMs: 5000, progress });
const ok2 = summary(`8 cards × 8 clients, ${restartSeconds} s, pcscd restarted every 5 s`, restarted);
const killed = await runPcscdLoad({ cards: 8, clients: 8, seconds: restartSeconds, restartEveryMs: 5000, disrupt: 'serve', progress });
const ok3 = summary(`8 cards × 8 clients, ${restartSeconds} s, sscard serve killed (SIGKILL) every 5 s`, killed);
console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
process.exit(ok1 && ok2 && ok3 ? 0 : 1);
