/**
 * Issuer-to-card script processing (EMV 4.3 Book 3 §10.10; Book 3 Annex E; JR/T 0025.5): the issuer's
 * templates 71 (before the final GENERATE AC) and 72 (after), each `{ 9F18 script ID, 86 command … }`.
 * The commands of a script are sent in order; a status word whose SW1 is not 90, 62 or 63 stops that
 * script. A failed (or malformed) script sets TVR byte 5 b6 (71) or b5 (72); the TSI says script
 * processing was performed. Each script has a 5-byte result (Book 4 Annex A5): `result ‖ sequence` nibbles
 * (0 not performed, 1 failed, 2 successful; the number of the failing command) then the script ID, kept
 * for the completion message (DF31, as PBOC calls the issuer script results).
 */
import { concat, fromHex, toHex } from '../../../apdu/bytes.js';
import { CommandApdu } from '../../../apdu/command-apdu.js';
import { decodeTlv, TlvError, type Tlv } from '../../../apdu/tlv/ber-tlv.js';
import type { KernelContext } from '../context.js';
import type { ScriptResult } from '../outcome.js';
import { swHex } from '../card-channel.js';

/** SW1 values after which a script goes on (Book 3 §10.10). */
const CONTINUE_SW1 = new Set([0x90, 0x62, 0x63]);

/** The templates of the issuer's script data, or the decoding error (a script that cannot be read fails). */
export function parseIssuerScripts(bytes: Uint8Array): { templates: Tlv[]; error?: string } {
  if (bytes.length === 0) return { templates: [] };
  try {
    return { templates: decodeTlv(bytes).filter((t) => t.tag === '71' || t.tag === '72') };
  } catch (err) {
    if (err instanceof TlvError) return { templates: [], error: err.message };
    throw err;
  }
}

function resultBytes(result: 0 | 1 | 2, sequence: number, id: Uint8Array | undefined): Uint8Array {
  return concat(Uint8Array.of((result << 4) | Math.min(sequence, 15)), id && id.length === 4 ? id : new Uint8Array(4));
}

/** Runs every script of one template kind (71 or 72). */
export async function issuerScriptProcessing(ctx: KernelContext, scripts: Uint8Array, template: '71' | '72'): Promise<void> {
  const { templates, error } = parseIssuerScripts(scripts);
  const failBit = template === '71' ? 'scriptFailedBeforeFinalAc' : 'scriptFailedAfterFinalAc';
  if (error) {
    if (template === '71') {
      // reported once, with the scripts before the final GENERATE AC
      ctx.tvr.set('scriptFailedBeforeFinalAc');
      ctx.note(`issuer scripts not readable: ${error}`);
    }
    return;
  }
  for (const t of templates.filter((x) => x.tag === template)) {
    ctx.tsi.set('scriptProcessingPerformed');
    const children = t.children ?? [];
    const id = children.find((c) => c.tag === '9F18')?.value;
    const commands = children.filter((c) => c.tag === '86');
    const result: ScriptResult = { template, ...(id ? { id: toHex(id) } : {}), commands: [], ok: true, resultBytes: '' };
    let sequence = 0;
    let failed = commands.length === 0 || children.some((c) => c.tag !== '9F18' && c.tag !== '86');
    for (const [i, c] of commands.entries()) {
      if (failed) break;
      let command: CommandApdu;
      try {
        command = CommandApdu.parse(c.value);
      } catch (err) {
        ctx.note(`issuer script command ${i + 1} is not an APDU: ${(err as Error).message}`);
        failed = true;
        sequence = i + 1;
        break;
      }
      const r = await ctx.channel.exchange(`issuer script ${template}`, command);
      result.commands.push({ command: toHex(c.value), sw: swHex(r.sw) });
      if (!CONTINUE_SW1.has(r.sw1)) {
        failed = true;
        sequence = i + 1;
      }
    }
    result.ok = !failed;
    result.resultBytes = toHex(resultBytes(failed ? 1 : 2, failed ? sequence : 0, id));
    if (failed) {
      ctx.tvr.set(failBit);
      ctx.note(`issuer script ${result.id ?? '(no ID)'} in template ${template} failed`);
    }
    ctx.scripts.push(result);
  }
  if (ctx.scripts.length > 0) ctx.data.setTerminal('DF31', concat(...ctx.scripts.map((s) => fromHex(s.resultBytes))));
}
