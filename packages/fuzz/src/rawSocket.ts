import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A hand-rolled WebSocket client over a bare TCP socket, for what the `ws` client cannot do on
 * purpose: stop reading (slow consumer), and close in the middle of a frame.
 */
export class RawSocket {
  /** True once the TCP socket closed (either side). */
  closed = false;
  /** Bytes read after the upgrade (frames from the server, not decoded). */
  bytesRead = 0;
  /** Resolves when the TCP socket closes. */
  readonly whenClosed: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.whenClosed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.bytesRead += chunk.length;
    });
  }

  /** Opens a TCP connection and performs the WebSocket upgrade on `path`; rejects if it is refused. */
  static open(port: number, path: string, timeoutMs = 5000): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let head = '';
      const timer = setTimeout(() => fail(new Error('upgrade timed out')), timeoutMs);
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.off('error', fail);
        clearTimeout(timer);
        if (!head.startsWith('HTTP/1.1 101')) {
          fail(new Error(`upgrade refused: ${head.slice(0, head.indexOf('\r\n'))}`));
          return;
        }
        const raw = new RawSocket(socket);
        raw.bytesRead = Buffer.byteLength(head, 'latin1') - end - 4;
        resolve(raw);
      };
      socket.on('data', onData);
    });
  }

  /** Sends one complete masked text frame; false when the socket's write buffer is full. */
  sendText(text: string): boolean {
    if (this.closed) return false;
    return this.socket.write(frame(Buffer.from(text, 'utf8'), 0x1, true));
  }

  /**
   * Writes the first `sentBytes` bytes of a text frame that announces `announcedBytes` of payload
   * (or, with `fragmentStart`, a complete first fragment of an unfinished message), then destroys the socket.
   */
  closeMidFrame(announcedBytes: number, sentBytes: number, fragmentStart = false): void {
    if (this.closed) return;
    if (fragmentStart) {
      this.socket.write(frame(Buffer.from('{"msg":"meth', 'utf8'), 0x1, false));
    } else {
      const whole = frame(Buffer.alloc(announcedBytes, 0x61), 0x1, true);
      const headerLength = whole.length - announcedBytes;
      this.socket.write(whole.subarray(0, Math.min(whole.length - 1, headerLength + sentBytes)));
    }
    this.socket.destroy();
  }

  /** Waits until the write buffer has drained (or the socket closed). */
  drained(): Promise<void> {
    if (this.closed || this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        resolve();
      };
      this.socket.once('drain', done);
      void this.whenClosed.then(done);
    });
  }

  /** Destroys the TCP socket (an abrupt close). */
  destroy(): void {
    this.socket.destroy();
  }
}

/** One client frame: FIN bit, opcode, the length in 7, 16 or 64 bits, a random mask, the masked payload. */
function frame(payload: Buffer, opcode: number, fin: boolean): Buffer {
  const n = payload.length;
  const lengthBytes = n < 126 ? 0 : n < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + 4);
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (lengthBytes === 0) header[1] = 0x80 | n;
  else if (lengthBytes === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(n, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  const mask = randomBytes(4);
  mask.copy(header, 2 + lengthBytes);
  const body = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) body[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, body]);
}
