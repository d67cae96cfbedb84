/**
 * A strict UTF-8 encoder/decoder. `TextEncoder`/`TextDecoder` exist in Node, browsers, Deno and
 * Bun but not in QuickJS, so file I/O carries its own. The decoder rejects every ill-formed
 * sequence (overlong forms, surrogate code points, values past U+10FFFF, stray continuation
 * bytes, truncated sequences) instead of substituting U+FFFD.
 * @internal
 */
import { NumError } from '../errors.js';

/**
 * UTF-8 bytes of a string.
 *
 * @throws {NumError} `INVALID_ARGUMENT` (with `op`) when the string holds a lone surrogate,
 *   which has no UTF-8 encoding.
 * @example
 * ```ts
 * encodeUtf8('é€'); // Uint8Array [0xc3, 0xa9, 0xe2, 0x82, 0xac]
 * ```
 */
export function encodeUtf8(s: string, op = 'encodeUtf8'): Uint8Array {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) {
        throw new NumError('INVALID_ARGUMENT', op, 'string holds a lone surrogate', 'well-formed UTF-16', `U+${c.toString(16).toUpperCase()} at index ${i}`);
      }
      n += 4;
      i++;
    } else n += 3;
  }
  const out = new Uint8Array(n);
  let p = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) out[p++] = c;
    else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      out[p++] = 0xf0 | (c >> 18);
      out[p++] = 0x80 | ((c >> 12) & 0x3f);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return out;
}

const CHUNK = 8192;

/**
 * Decodes `bytes[start, end)` as strict UTF-8.
 *
 * @throws {NumError} `FORMAT` (with `op`) naming the offset of the first ill-formed sequence.
 * @example
 * ```ts
 * decodeUtf8(new Uint8Array([0x68, 0x69]), 0, 2); // 'hi'
 * decodeUtf8(new Uint8Array([0xc0, 0x80]), 0, 2); // throws FORMAT (overlong NUL)
 * ```
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number, op = 'decodeUtf8', what = 'text'): string {
  const parts: string[] = [];
  const units: number[] = [];
  let i = start;
  const bad = (at: number, why: string): never => {
    throw new NumError('FORMAT', op, `${what} is not valid UTF-8 (${why})`, 'well-formed UTF-8', `byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at offset ${at - start}`);
  };
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      units.push(b0);
      i++;
    } else {
      let need: number;
      let cp: number;
      let min: number;
      if (b0 >= 0xc2 && b0 <= 0xdf) { need = 1; cp = b0 & 0x1f; min = 0x80; }
      else if (b0 >= 0xe0 && b0 <= 0xef) { need = 2; cp = b0 & 0x0f; min = 0x800; }
      else if (b0 >= 0xf0 && b0 <= 0xf4) { need = 3; cp = b0 & 0x07; min = 0x10000; }
      else return bad(i, b0 < 0xc0 ? 'unexpected continuation byte' : 'invalid lead byte');
      if (i + need >= end) return bad(i, 'truncated sequence');
      for (let k = 1; k <= need; k++) {
        const c = bytes[i + k]!;
        if ((c & 0xc0) !== 0x80) return bad(i, 'truncated sequence');
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min) return bad(i, 'overlong encoding');
      if (cp > 0x10ffff) return bad(i, 'code point past U+10FFFF');
      if (cp >= 0xd800 && cp <= 0xdfff) return bad(i, 'encoded surrogate');
      if (cp >= 0x10000) {
        cp -= 0x10000;
        units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
      } else units.push(cp);
      i += need + 1;
    }
    if (units.length >= CHUNK) {
      parts.push(String.fromCharCode(...units));
      units.length = 0;
    }
  }
  parts.push(String.fromCharCode(...units));
  return parts.join('');
}
