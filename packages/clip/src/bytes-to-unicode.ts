// GPT-2/CLIP's reversible map from the 256 byte values to printable unicode characters.
//
// BPE works on strings, and the merges file must not contain whitespace or control characters,
// so every byte is given a visible stand-in: bytes that are already printable Latin-1 keep their
// own character, and the other 68 take consecutive code points from U+0100 upwards.

/** True for the bytes that stand for themselves: '!'..'~', '¡'..'¬', '®'..'ÿ'. */
function isSelfMapped(byte: number): boolean {
  return (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
}

/**
 * The byte values in CLIP's vocabulary order: self-mapped bytes first (ascending), then the rest
 * (ascending). The first 256 token ids follow this order, not plain byte order.
 */
export const BYTES_IN_VOCAB_ORDER: readonly number[] = (() => {
  const all = Array.from({ length: 256 }, (_, byte) => byte);
  return [...all.filter(isSelfMapped), ...all.filter((byte) => !isSelfMapped(byte))];
})();

/** byteToUnicode[b] is the one-character string standing for byte b. */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
  const table = new Array<string>(256);
  let nextSubstitute = 256;
  for (let byte = 0; byte < 256; byte++) {
    table[byte] = String.fromCharCode(isSelfMapped(byte) ? byte : nextSubstitute++);
  }
  return table;
})();

/** Inverse of BYTE_TO_UNICODE, from the stand-in character back to its byte. */
export const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map(
  BYTE_TO_UNICODE.map((character, byte) => [character, byte] as const),
);
