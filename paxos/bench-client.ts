/**
 * A deliberately cheap HTTP/1.1 keep-alive client for the Paxos benchmark (bench.ts): one raw
 * TCP socket per worker, one request at a time, a fixed request prefix per operation, and a
 * minimal response parser for our server's replies (always Content-Length, never chunked).
 *
 * Why not undici: on a 2-core machine the benchmark client shares the CPU budget with the
 * three nodes, and a general-purpose client (undici Pool: ~0.4-0.6 ms CPU per request here)
 * costs more than the Paxos leader itself. This one does little more than write and read
 * bytes. It is for the benchmark only; it validates what it reads and fails loudly otherwise.
 */
import net from 'node:net';

export interface RawResponse {
  status: number;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

export class RawHttpClient {
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | null = null;
  private failed: Error | null = null;

  private constructor(socket: net.Socket, private readonly hostHeader: string) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by the server')));
  }

  static connect(host: string, port: number): Promise<RawHttpClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawHttpClient(socket, `${host}:${port}`));
      });
    });
  }

  /** GET path. */
  get(path: string): Promise<RawResponse> {
    return this.send(`GET ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n\r\n`);
  }

  /** PUT/POST path with a JSON body. */
  sendJson(method: 'PUT' | 'POST', path: string, json: string): Promise<RawResponse> {
    return this.send(`${method} ${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  }

  private send(request: string): Promise<RawResponse> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.waiting) return Promise.reject(new Error('RawHttpClient: one request at a time'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const m = CONTENT_LENGTH.exec(head);
    if (!head.startsWith('HTTP/1.1 ') || !Number.isInteger(status) || m === null) {
      this.fail(new Error(`unexpected response head: ${JSON.stringify(head.slice(0, 120))}`));
      return;
    }
    const total = end + 4 + Number(m[1]);
    if (this.buf.length < total) return;
    if (this.buf.length > total) {
      this.fail(new Error('bytes after the response: the server answered a request we did not send'));
      return;
    }
    const body = this.buf.toString('utf8', end + 4, total);
    this.buf = Buffer.alloc(0);
    const w = this.waiting;
    this.waiting = null;
    if (w === null) this.fail(new Error('a response with no request waiting'));
    else w.resolve({ status, body });
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(err);
    this.socket.destroy();
  }

  close(): void {
    this.failed ??= new Error('closed');
    this.socket.destroy();
  }
}
