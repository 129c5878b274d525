/**
 * GBK text codec. The SSSE name field (姓名, DOMAIN.md §1.2) and the SSSE/PKI AIDs ("sx1.sh.社会保障",
 * "PKI.社会保障") are GBK. Decoding uses the WHATWG `gbk` decoder Node ships; encoding uses the reverse
 * map, built once on first use by decoding every double-byte code.
 */

let reverse: Map<string, number> | undefined;

function reverseMap(): Map<string, number> {
  if (reverse) return reverse;
  const decoder = new TextDecoder('gbk', { fatal: true });
  const map = new Map<string, number>();
  const pair = new Uint8Array(2);
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      if (trail === 0x7f) continue;
      pair[0] = lead;
      pair[1] = trail;
      let ch: string;
      try {
        ch = decoder.decode(pair);
      } catch {
        continue;
      }
      if (ch.length >= 1 && ch !== '\uFFFD' && !map.has(ch)) map.set(ch, (lead << 8) | trail);
    }
  }
  reverse = map;
  return map;
}

/**
 * Encodes text as GBK. ASCII stays one byte; other characters take two. A character that GBK cannot
 * represent is a RangeError naming it and its position.
 */
export function encodeGbk(text: string): Uint8Array {
  const out: number[] = [];
  let index = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) {
      out.push(code);
    } else {
      const gbk = reverseMap().get(ch);
      if (gbk === undefined) throw new RangeError(`encodeGbk: ${JSON.stringify(ch)} (U+${code.toString(16).toUpperCase()}) at ${index} has no GBK code`);
      out.push(gbk >> 8, gbk & 0xff);
    }
    index++;
  }
  return Uint8Array.from(out);
}

/** Decodes GBK bytes; malformed input is a RangeError. */
export function decodeGbk(bytes: Uint8Array): string {
  try {
    return new TextDecoder('gbk', { fatal: true }).decode(bytes);
  } catch {
    throw new RangeError('decodeGbk: bytes are not valid GBK');
  }
}
