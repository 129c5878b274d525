/**
 * The terminal's blacklist of the card check (LD/T 32.7 §5.4: INTERNAL AUTHENTICATE → EF05 → blacklist):
 * the cards a terminal must refuse (reported lost, withdrawn), by card identifier (卡识别码).
 *
 * File format (sscard's; docs/ssse-reader.md "The blacklist file"), UTF-8 text:
 *
 * ```
 * # one card identifier per line: 32 hex digits (case does not matter);
 * # what follows it on the line, after white space, is the reason shown to the operator.
 * # Blank lines and lines starting with # are ignored.
 * 320200D156000005AD932A48BDC3B9E9   正式挂失 2026-03-01
 * 519900D15600000510000B26FFFFFFFF
 * ```
 *
 * Parsing is strict: a line that is not an identifier is an error naming the line (a blacklist that is
 * silently half-read would let a listed card through).
 */
import { fromHex } from '../../../apdu/bytes.js';
import { splitCardIdentifier } from '../../../spec/ssse/card-identifier.js';

/** One listed card. */
export interface BlacklistEntry {
  cardIdentifier: string;
  /** The text after the identifier ('' when none). */
  reason: string;
  /** 1-based line number in the file. */
  line: number;
}

/** A blacklist file that cannot be used: every problem, with its line. */
export class BlacklistError extends Error {
  override name = 'BlacklistError';
}

export class Blacklist {
  readonly #entries: Map<string, BlacklistEntry>;

  private constructor(entries: Map<string, BlacklistEntry>) {
    this.#entries = entries;
  }

  /** An empty blacklist. */
  static empty(): Blacklist {
    return new Blacklist(new Map());
  }

  /**
   * Parses the text of a blacklist file.
   * @param source the file name, for messages
   * @throws BlacklistError naming the first bad lines
   */
  static parse(text: string, source = 'blacklist'): Blacklist {
    const entries = new Map<string, BlacklistEntry>();
    const problems: string[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const m = /^([0-9A-Fa-f]{32})(?:\s+(.*))?$/.exec(line);
      if (!m) {
        problems.push(`line ${i + 1}: ${JSON.stringify(line.slice(0, 40))} is not a card identifier (32 hex digits)`);
        return;
      }
      const id = m[1]!.toUpperCase();
      if (!splitCardIdentifier(fromHex(id))) {
        problems.push(`line ${i + 1}: ${id} is not a card identifier (city code ‖ D156000005 ‖ serial ‖ code)`);
        return;
      }
      if (!entries.has(id)) entries.set(id, { cardIdentifier: id, reason: m[2]?.trim() ?? '', line: i + 1 });
    });
    if (problems.length > 0) {
      const shown = problems.slice(0, 3).join('; ');
      throw new BlacklistError(`${source}: ${shown}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}`);
    }
    return new Blacklist(entries);
  }

  /** The entry of a card identifier (hex, any case), if listed. */
  find(cardIdentifier: string): BlacklistEntry | undefined {
    return this.#entries.get(cardIdentifier.toUpperCase());
  }

  get size(): number {
    return this.#entries.size;
  }
}
