/**
 * The frame size a JPEG file declares in its SOF segment, found by walking the marker segments up to the first
 * scan. Read before decoding so a header claiming 65535 × 65535 pixels is refused before jpeg-js allocates.
 */

export interface JpegFrame {
  width: number;
  height: number;
  components: number;
}

// SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range.
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
// Markers that stand alone, with no length field: TEM, RST0–7, SOI, EOI.
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9);

/**
 * The frame sizes the decoder could act on: the first SOF segment when the marker segments can be walked to
 * it, else (a damaged file, which jpeg-js's tolerant parser may still read) every byte pattern that looks like
 * a baseline, extended or progressive SOF segment, so each can be checked before decoding. Throws a plain
 * message only for bytes that are not a JPEG at all.
 */
export function readJpegFrames(bytes: Uint8Array): JpegFrame[] {
  const walked = walkToFrame(bytes);
  if (walked) return [walked];
  const candidates: JpegFrame[] = [];
  for (let at = 2; at + 10 <= bytes.length; at++) {
    if (bytes[at] === 0xff && bytes[at + 1] >= 0xc0 && bytes[at + 1] <= 0xc2) candidates.push(frameAt(bytes, at + 2));
  }
  return candidates;
}

function frameAt(bytes: Uint8Array, at: number): JpegFrame {
  // Segment length (2), sample precision (1), lines (2), samples per line (2), components (1).
  return { height: (bytes[at + 3] << 8) | bytes[at + 4], width: (bytes[at + 5] << 8) | bytes[at + 6], components: bytes[at + 7] };
}

function walkToFrame(bytes: Uint8Array): JpegFrame | undefined {
  if (bytes.length < 2 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('not a JPEG file (it does not start with the SOI marker FF D8)');
  let at = 2;
  while (at + 1 < bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    // Any number of 0xFF fill bytes may precede a marker.
    while (at + 1 < bytes.length && bytes[at + 1] === 0xff) at++;
    if (at + 1 >= bytes.length) return undefined;
    const marker = bytes[at + 1];
    at += 2;
    if (isStandalone(marker)) {
      if (marker === 0xd9) return undefined;
      continue;
    }
    if (at + 2 > bytes.length) return undefined;
    const length = (bytes[at] << 8) | bytes[at + 1];
    if (length < 2 || at + length > bytes.length) return undefined;
    if (isStartOfFrame(marker)) {
      if (length < 8) return undefined;
      return frameAt(bytes, at);
    }
    if (marker === 0xda) return undefined; // a scan before any frame header
    at += length;
  }
  return undefined;
}
