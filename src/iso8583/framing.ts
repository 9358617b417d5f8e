// Framing of ISO 8583 messages on a TCP stream: each message is preceded by its length as 2 bytes, big-endian (the
// header does not count itself). FrameSplitter cuts a stream of arbitrary chunks (partial or coalesced) into
// messages, never buffers more than one frame, and skips a frame it refuses instead of losing the stream.
// Pure: it sees bytes handed to it and returns events; it never reads a socket or logs.

import { Iso8583Error } from './errors';
import { MAX_MESSAGE_BYTES, MAX_PACKED_BYTES } from './codec';

/** Bytes of the length header. */
export const FRAME_HEADER_BYTES = 2;

/**
 * Default maximum frame length (header excluded): 8 KiB, above the longest message the profile can pack
 * ({@link MAX_PACKED_BYTES}), far below what the 2-byte header could announce.
 */
export const DEFAULT_MAX_FRAME_BYTES = 8192;

if (MAX_PACKED_BYTES > DEFAULT_MAX_FRAME_BYTES) {
  throw new Error(`the ISO 8583 profile can pack ${MAX_PACKED_BYTES} bytes, more than the default frame limit`);
}

/**
 * Prefixes a packed message with its 2-byte length header. (`packFrame` does pack and frame in one allocation.)
 * @throws Iso8583Error `empty_frame` or `frame_too_long` (above 65,535 bytes)
 */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length === 0) throw new Iso8583Error('empty_frame', 'a frame carries at least one byte');
  if (payload.length > MAX_MESSAGE_BYTES) {
    throw new Iso8583Error(
      'frame_too_long',
      `${payload.length} bytes, a 2-byte header frames at most ${MAX_MESSAGE_BYTES}`,
    );
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt16BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Decodes exactly one frame (header and payload, nothing after it) and returns its payload.
 * @throws Iso8583Error `truncated`, `empty_frame`, `frame_too_long` or `trailing_bytes`
 */
export function decodeFrame(frame: Uint8Array, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES): Buffer {
  if (frame.length < FRAME_HEADER_BYTES) throw new Iso8583Error('truncated', 'shorter than the length header');
  const length = (frame[0]! << 8) | frame[1]!;
  if (length === 0) throw new Iso8583Error('empty_frame', 'the header announces 0 bytes');
  if (length > maxFrameBytes)
    throw new Iso8583Error('frame_too_long', `the header announces ${length} bytes, more than ${maxFrameBytes}`);
  const available = frame.length - FRAME_HEADER_BYTES;
  if (available < length)
    throw new Iso8583Error('truncated', `the header announces ${length} bytes, ${available} follow`);
  if (available > length) throw new Iso8583Error('trailing_bytes', `${available - length} bytes after the frame`);
  return Buffer.from(frame.buffer, frame.byteOffset + FRAME_HEADER_BYTES, length);
}

/** What {@link FrameSplitter.push} found: a whole frame's payload, or a frame it refused (and skips). */
export type FrameEvent =
  { readonly kind: 'frame'; readonly payload: Buffer } | { readonly kind: 'rejected'; readonly error: Iso8583Error };

/** Options of {@link FrameSplitter}. */
export interface FrameSplitterOptions {
  /** Longest payload accepted (header excluded), 1..65,535; longer frames are skipped. Default 8 KiB. */
  readonly maxFrameBytes?: number;
}

/**
 * Cuts a byte stream into ISO 8583 frames, whatever the chunking: a chunk may hold part of a header, several frames,
 * or a frame's end and the next one's start.
 *
 * A header announcing more than `maxFrameBytes` yields a `rejected` event with `frame_too_long`; the announced bytes
 * are then skipped as they arrive (never buffered) and the frame after them is read normally. A header announcing 0
 * bytes yields `rejected` with `empty_frame`. Memory held between pushes is at most one frame (`maxFrameBytes`).
 */
export class FrameSplitter {
  private readonly maxFrameBytes: number;
  /** First byte of a header split across chunks, or -1. */
  private headerHigh = -1;
  /** The frame being filled across chunks, and how much of it is filled. */
  private partial: Buffer | undefined;
  private partialFilled = 0;
  /** Bytes of a refused frame still to skip. */
  private skipRemaining = 0;

  constructor(options: FrameSplitterOptions = {}) {
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > MAX_MESSAGE_BYTES) {
      throw new RangeError(`maxFrameBytes must be an integer in 1..${MAX_MESSAGE_BYTES}`);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for an incomplete frame (for tests and metrics). */
  get bufferedBytes(): number {
    return (this.headerHigh >= 0 ? 1 : 0) + this.partialFilled;
  }

  /** Whether the splitter is between frames (nothing partial held, nothing being skipped). */
  get idle(): boolean {
    return this.headerHigh < 0 && this.partial === undefined && this.skipRemaining === 0;
  }

  /** Feeds the next chunk of the stream; returns the frames it completes and the frames it refused, in order. */
  push(chunk: Uint8Array): FrameEvent[] {
    const events: FrameEvent[] = [];
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const end = bytes.length;
    let pos = 0;
    while (pos < end) {
      if (this.skipRemaining > 0) {
        const skipped = Math.min(this.skipRemaining, end - pos);
        this.skipRemaining -= skipped;
        pos += skipped;
        continue;
      }
      if (this.partial !== undefined) {
        const copied = bytes.copy(
          this.partial,
          this.partialFilled,
          pos,
          Math.min(end, pos + this.partial.length - this.partialFilled),
        );
        this.partialFilled += copied;
        pos += copied;
        if (this.partialFilled === this.partial.length) {
          events.push({ kind: 'frame', payload: this.partial });
          this.partial = undefined;
          this.partialFilled = 0;
        }
        continue;
      }
      let length: number;
      if (this.headerHigh >= 0) {
        length = (this.headerHigh << 8) | bytes[pos]!;
        this.headerHigh = -1;
        pos += 1;
      } else if (end - pos >= FRAME_HEADER_BYTES) {
        length = (bytes[pos]! << 8) | bytes[pos + 1]!;
        pos += FRAME_HEADER_BYTES;
      } else {
        this.headerHigh = bytes[pos]!;
        pos += 1;
        continue;
      }
      if (length === 0) {
        events.push({ kind: 'rejected', error: new Iso8583Error('empty_frame', 'the header announces 0 bytes') });
      } else if (length > this.maxFrameBytes) {
        events.push({
          kind: 'rejected',
          error: new Iso8583Error(
            'frame_too_long',
            `the header announces ${length} bytes, more than ${this.maxFrameBytes}; skipped`,
          ),
        });
        this.skipRemaining = length;
      } else if (end - pos >= length) {
        // A whole frame in this chunk: a copy, so the payload does not pin the caller's (possibly larger) chunk.
        events.push({ kind: 'frame', payload: Buffer.from(bytes.subarray(pos, pos + length)) });
        pos += length;
      } else {
        this.partial = Buffer.allocUnsafe(length);
        this.partialFilled = 0;
      }
    }
    return events;
  }
}
