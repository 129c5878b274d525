/**
 * vpcd framing (vsmartcard vpcd.c: 2-byte big-endian length, then payload). A TCP read is not a
 * message: frames split at arbitrary points must decode exactly as when delivered whole, and garbage
 * must never throw out of the decoder nor produce a frame whose bytes did not all arrive.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameDecoder, classifyFrame, encodeFrame, VPCD_MAX_PAYLOAD } from '../../src/server/vpcd.js';

const payload = fc.uint8Array({ minLength: 0, maxLength: 300 });

/** Concatenation, written independently of the code under test. */
function join(parts: Uint8Array[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) out.push(...p);
  return Uint8Array.from(out);
}

/** Splits bytes at the given cut points (sorted, deduplicated, clipped). */
function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.slice(prev, p));
    prev = p;
  }
  return chunks;
}

describe('vpcd frame encoding', () => {
  it('matches the wire format of vpcd.c (htons length, then bytes)', () => {
    expect([...encodeFrame(Uint8Array.of(0x04))]).toEqual([0x00, 0x01, 0x04]);
    expect([...encodeFrame(Uint8Array.of(0x00, 0xa4, 0x04, 0x00))]).toEqual([0x00, 0x04, 0x00, 0xa4, 0x04, 0x00]);
    const big = new Uint8Array(0x1234);
    expect([...encodeFrame(big).subarray(0, 2)]).toEqual([0x12, 0x34]);
  });

  it('rejects a payload longer than a 2-byte length can announce', () => {
    expect(() => encodeFrame(new Uint8Array(VPCD_MAX_PAYLOAD + 1))).toThrow(RangeError);
  });

  it('classifies control codes, APDUs and the zero-length frame', () => {
    expect(classifyFrame(Uint8Array.of(4))).toEqual({ kind: 'control', code: 4 });
    expect(classifyFrame(Uint8Array.of(0x00, 0x84))).toEqual({ kind: 'apdu', apdu: Uint8Array.of(0x00, 0x84) });
    expect(classifyFrame(new Uint8Array(0)).kind).toBe('malformed');
  });
});

describe('FrameDecoder', () => {
  it('decodes frames split at random points exactly as when delivered whole', () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 40 }), (payloads, cuts) => {
        const stream = join(payloads.map((p) => Uint8Array.from([p.length >> 8, p.length & 0xff, ...p])));
        const decoder = new FrameDecoder();
        const frames = splitAt(stream, cuts).flatMap((chunk) => decoder.push(chunk));
        expect(frames.map((f) => [...f])).toEqual(payloads.map((p) => [...p]));
        expect(decoder.pending).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('byte-at-a-time delivery yields each frame only when its last byte arrives', () => {
    fc.assert(
      fc.property(fc.array(payload, { minLength: 1, maxLength: 5 }), (payloads) => {
        const wire = payloads.map((p) => Uint8Array.from([p.length >> 8, p.length & 0xff, ...p]));
        const ends = new Set<number>();
        let total = 0;
        for (const w of wire) ends.add((total += w.length) - 1);
        const decoder = new FrameDecoder();
        const stream = join(wire);
        for (let i = 0; i < stream.length; i++) {
          const out = decoder.push(stream.slice(i, i + 1));
          expect(out.length).toBe(ends.has(i) ? 1 : 0);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('never throws on garbage and never yields a frame whose announced bytes did not all arrive', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 20 }), (garbage, cuts) => {
        const decoder = new FrameDecoder();
        const frames = splitAt(garbage, cuts).flatMap((chunk) => decoder.push(chunk));
        // Re-reading the garbage by hand: every frame is a prefix-consistent slice of the input.
        let offset = 0;
        for (const f of frames) {
          const announced = (garbage[offset]! << 8) | garbage[offset + 1]!;
          expect(f.length).toBe(announced);
          expect([...f]).toEqual([...garbage.slice(offset + 2, offset + 2 + announced)]);
          offset += 2 + announced;
        }
        expect(offset + decoder.pending).toBe(garbage.length);
        // What is left is an incomplete frame: fewer bytes than its header announces (or no header).
        const rest = garbage.slice(offset);
        if (rest.length >= 2) expect(rest.length - 2).toBeLessThan((rest[0]! << 8) | rest[1]!);
        // Classification of any decoded frame never throws either.
        for (const f of frames) expect(['control', 'apdu', 'malformed']).toContain(classifyFrame(f).kind);
      }),
      { numRuns: 300 },
    );
  });

  it('a truncated frame stays pending and completes when the rest arrives', () => {
    const decoder = new FrameDecoder();
    expect(decoder.push(Uint8Array.of(0x00, 0x05, 0x00, 0xb0))).toEqual([]);
    expect(decoder.pending).toBe(4);
    const [frame] = decoder.push(Uint8Array.of(0x00, 0x00, 0x00, 0x00, 0x01));
    expect([...frame!]).toEqual([0x00, 0xb0, 0x00, 0x00, 0x00]);
    expect(decoder.pending).toBe(2);
    decoder.reset();
    expect(decoder.pending).toBe(0);
  });
});
