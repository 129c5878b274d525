/**
 * `--fault <spec>` values (repeatable) of `sscard serve` and `sscard conformance`, parsed by the one
 * fault model (src/spec/faults.ts); a bad spec is a usage error naming it.
 */
import { FaultSpecError, parseFaultSpec, type FaultSpec } from '../spec/faults.js';
import { UsageError } from './errors.js';

export function parseFaultOptions(values: readonly string[]): FaultSpec[] {
  return values.map((v) => {
    try {
      return parseFaultSpec(v);
    } catch (err) {
      if (err instanceof FaultSpecError) throw new UsageError(`--fault: ${err.message}`);
      throw err;
    }
  });
}
