// One checksum for every byte format the library writes (DPU update payloads, packed DRESS models,
// checkpoints): CRC-32 catches every burst error up to 32 bits, which a multiplicative hash does not.

let crcTable: Int32Array | undefined;

function table(): Int32Array {
  // Built on first use, not at import time: the package has no top-level side effects.
  if (crcTable === undefined) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  return crcTable;
}

/**
 * CRC-32 (IEEE 802.3 polynomial, reflected, as in zip and PNG) of `bytes[start, end)`. Pass the
 * CRC of the bytes before `start` as `prev` to continue a running checksum over several pieces.
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 * ```
 * @internal
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, prev = 0): number {
  const t = table();
  let c = ~prev;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
