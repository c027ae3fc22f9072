/**
 * Source positions. Spans are 0-based (line, column, offset) with an exclusive end, as in
 * `ast.ts`; columns count UTF-16 code units (JavaScript string indices).
 */
import type { Position, Span } from './ast.ts';

/** Where a text starts inside its file: (0,0,0) for a whole file, the scalar's start for a YAML value. */
export interface Origin {
  line: number;
  column: number;
  offset: number;
}

export const FILE_ORIGIN: Origin = { line: 0, column: 0, offset: 0 };

/**
 * Turns offsets into the text into spans of the file. Built once per text (O(n)); each
 * lookup is a binary search over line starts.
 */
export class SpanMap {
  private readonly lineStarts: number[];
  private lastLine = 0;

  constructor(
    readonly text: string,
    readonly file: string,
    readonly origin: Origin = FILE_ORIGIN,
  ) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
    }
    this.lineStarts = starts;
  }

  /** The file position of `offset` (an index into `text`, clamped to its bounds). */
  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    const starts = this.lineStarts;
    let lo: number;
    // Lookups mostly come in text order: try the last line found, then the next one.
    const hint = this.lastLine;
    if (starts[hint]! <= o && (hint + 1 >= starts.length || o < starts[hint + 1]!)) lo = hint;
    else if (hint + 1 < starts.length && starts[hint + 1]! <= o && (hint + 2 >= starts.length || o < starts[hint + 2]!)) lo = hint + 1;
    else {
      lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= o) lo = mid;
        else hi = mid - 1;
      }
    }
    this.lastLine = lo;
    const column = o - starts[lo]!;
    return {
      offset: this.origin.offset + o,
      line: this.origin.line + lo,
      column: lo === 0 ? this.origin.column + column : column,
    };
  }

  /** The span from `start` (inclusive) to `end` (exclusive), offsets into `text`. */
  span(start: number, end: number): Span {
    return { file: this.file, start: this.position(start), end: this.position(end) };
  }
}

/** The smallest span covering `a` and `b` (same file). */
export function joinSpans(a: Span, b: Span): Span {
  return {
    file: a.file,
    start: a.start.offset <= b.start.offset ? a.start : b.start,
    end: a.end.offset >= b.end.offset ? a.end : b.end,
  };
}
