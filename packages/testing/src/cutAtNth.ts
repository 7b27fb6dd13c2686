import type { CutMatcher } from './faultProxy.js';

/** A matcher that cuts at the `nth` (1-based) server → client occurrence of `needle`, passing the bytes before it. */
export function cutAtNth(needle: string, nth: number): CutMatcher {
  let seen = 0;
  return (text, direction) => {
    if (direction !== 'down') return undefined;
    let from = 0;
    for (;;) {
      const at = text.indexOf(needle, from);
      if (at < 0) return undefined;
      seen++;
      if (seen >= nth) return frameStart(text, at);
      from = at + needle.length;
    }
  };
}

/** Offset of the WebSocket frame holding `at`: back to the `{` that opens its JSON, minus the frame header. */
function frameStart(text: string, at: number): number {
  const brace = text.lastIndexOf('{"msg"', at);
  if (brace < 0) return 0;
  // Unmasked server frames: 2-byte header, +2 for 126..65535 byte payloads, +8 beyond.
  const header = text.charCodeAt(brace - 3) === 126 && text.charCodeAt(brace - 4) === 0x81 ? 4 : 2;
  return Math.max(0, brace - header);
}
