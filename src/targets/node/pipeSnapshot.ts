import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm, statfs, unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type CdpConnection, CdpTimeoutError } from '../../cdp';
import type { CaptureOptions, HeapSnapshotSink } from '../target';
import { profilerExpression } from './profilerCode';

/**
 * Heap snapshots of a program on this machine, written by V8 itself where we read them as they
 * are written: `v8.writeHeapSnapshot(path)` evaluated in the program over the existing CDP
 * connection, at V8's own write speed (measured: a 506 MB snapshot streamed over CDP took 42 s,
 * written to a file 25.5 s). `path` is, by default, a file we follow as it grows (V8 never
 * waits for us; it costs the snapshot's size on disk until we are done, and its name goes as soon
 * as V8 has it open), or a FIFO when the disk lacks room (nothing on disk, but V8 waits for each
 * 64 KiB we read: slower on a busy machine). Either way the program keeps no more memory than V8's
 * own write, and the path lives in a private directory (0700, the file 0600) removed whatever
 * happens. A program that cannot write there (another machine, another mount namespace or user,
 * a Node without `process.getBuiltinModule`) fails before V8 takes the snapshot: the caller
 * falls back to CDP streaming.
 */

/** The local way was not usable; nothing was written to the sink. */
export interface PipeUnavailable {
  written: false;
  reason: string;
  /** False when it may work next time (the program was busy); absent: it will not. */
  lasting?: false;
}

/** Snapshot chunks are handed on in pieces of about this size (a pipe read gives 64 KiB). */
const CHUNK_BYTES = 1 << 20;

/** How often the end of a file V8 is still writing is looked at again. */
const FOLLOW_POLL_MS = 10;

/** A snapshot is about this many times the heap used (measured 1.84× on a 275 MB heap): for progress only. */
const SNAPSHOT_BYTES_PER_HEAP_BYTE = 2;

/** Default longest wait for V8 to write a snapshot (as for CDP streaming: real heaps have taken 265 s). */
const DEFAULT_TIMEOUT_MS = 30 * 60_000;

/** The first question is quick; a program that does not answer it in time is busy or stopped. */
const PROBE_TIMEOUT_MS = 10_000;

const execFileAsync = promisify(execFile);

/** How V8 hands the snapshot over: a file we follow as it grows, or a FIFO. */
export type LocalSnapshotKind = 'file' | 'fifo';

export interface PipeCaptureOptions extends CaptureOptions {
  /** Where the private directory is made (default: the system's temp directory). */
  parentDir?: string;
  /** Default: a file when its disk has room for a few times the heap, else a FIFO. */
  kind?: LocalSnapshotKind;
}

/** A file is used when the disk has this many times the JS heap free (the snapshot is about 2×). */
const FILE_ROOM_PER_HEAP_BYTE = 4;

/**
 * Takes one snapshot through a file or FIFO. Resolves `{written: true, kind}` once the last byte
 * reached the sink, `{written: false, reason}` when neither could be used and nothing was written;
 * rejects when the snapshot failed midway or timed out (there is no falling back then).
 */
export async function captureThroughPipe(
  connection: CdpConnection,
  sink: HeapSnapshotSink,
  options: PipeCaptureOptions = {},
): Promise<{ written: true; kind: LocalSnapshotKind } | PipeUnavailable> {
  if (process.platform === 'win32') return { written: false, reason: 'not used on Windows (untried there)' };
  // One quick question first: can the program do it, and how large a heap does it have? (A
  // program that does not answer, e.g. held at a breakpoint, is left to CDP, this time.)
  let probe;
  try {
    probe = await connection.send(
      'Runtime.evaluate',
      {
        expression: profilerExpression(`typeof process === 'object' && typeof process.getBuiltinModule === 'function' ? process.memoryUsage().heapUsed : -1`),
        returnByValue: true,
        silent: true,
      },
      { timeoutMs: PROBE_TIMEOUT_MS, unlessActive: true },
    );
  } catch (e) {
    if (e instanceof CdpTimeoutError) return { written: false, reason: `the program did not answer within ${PROBE_TIMEOUT_MS / 1000} s`, lasting: false };
    throw e;
  }
  const heapUsed = probe.result?.value;
  if (probe.exceptionDetails || typeof heapUsed !== 'number' || heapUsed < 0) return { written: false, reason: 'the program has no process.getBuiltinModule (Node < 20.16)' };

  let dir: string;
  try {
    dir = await mkdtemp(join(options.parentDir ?? tmpdir(), 'memory-profiler-'));
  } catch (e) {
    return { written: false, reason: `cannot make a private directory: ${(e as Error).message}` };
  }
  const path = join(dir, 'snapshot.heapsnapshot');
  const kind = options.kind ?? ((await roomFor(dir, heapUsed * FILE_ROOM_PER_HEAP_BYTE)) ? 'file' : 'fifo');
  const onBytes = (bytes: number) => options.onProgress?.(bytes, Math.max(bytes, heapUsed * SNAPSHOT_BYTES_PER_HEAP_BYTE));
  let follower: Follower | undefined;
  try {
    try {
      if (kind === 'fifo') {
        await execFileAsync('mkfifo', ['-m', '600', path]);
        follower = new PipeReader(path, sink, onBytes);
      } else {
        follower = await FileFollower.create(path, sink, onBytes);
      }
    } catch (e) {
      return { written: false, reason: `cannot make a ${kind === 'fifo' ? 'FIFO' : 'file'}: ${(e as Error).message.split('\n')[0]}` };
    }
    const expression = profilerExpression(`process.getBuiltinModule('v8').writeHeapSnapshot(${JSON.stringify(path)})`);
    let reply;
    try {
      reply = await connection.send('Runtime.evaluate', { expression, returnByValue: true, silent: true }, { timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
    } catch (e) {
      if (e instanceof CdpTimeoutError) throw new Error(`V8 did not write the heap snapshot within ${e.timeoutMs / 1000} s`);
      throw e;
    }
    // V8 has closed its end: what is left comes, then the end.
    const bytes = await follower.finish();
    const failure = reply.exceptionDetails && (reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text).split('\n')[0];
    if (bytes === 0) return { written: false, reason: failure ? `the program could not write the snapshot: ${failure}` : 'the program wrote nothing' };
    if (failure) throw new Error(`the heap snapshot broke off after ${bytes} bytes: ${failure}`);
    return { written: true, kind };
  } finally {
    // The path goes first: once it is gone no open() can block on it, then our ends close
    // (a V8 still writing into the FIFO gets EPIPE and stops; Node ignores SIGPIPE).
    await rm(dir, { recursive: true, force: true });
    await follower?.close();
  }
}

/** Whether the disk of `dir` has `bytes` free (false when it cannot tell). */
async function roomFor(dir: string, bytes: number): Promise<boolean> {
  try {
    const fs = await statfs(dir);
    return fs.bavail * fs.bsize >= bytes;
  } catch {
    return false;
  }
}

/** Our side of where V8 writes: hands the bytes to the sink as they come. */
interface Follower {
  /** Once V8 has answered: reads to the end; the bytes read in all. */
  finish(): Promise<number>;
  close(): Promise<void> | void;
}

/**
 * A file V8 writes and we read behind it, so that V8 never waits for us (a FIFO makes it wait
 * for every 64 KiB we read: on a busy machine, for our turn on a core). We create the file
 * (0600) and keep it open; once V8's first bytes are in, V8 has it open too and its name is
 * removed, so the disk space goes back when both are done, even if this process dies.
 */
class FileFollower implements Follower {
  private bytes = 0;
  private writerDone = false;
  private wake: (() => void) | undefined;
  private readonly done: Promise<void>;
  private unlinked = false;
  private stopped = false;

  private constructor(
    private readonly path: string,
    private readonly file: FileHandle,
    private readonly sink: HeapSnapshotSink,
    private readonly onBytes: (bytes: number) => void,
  ) {
    this.done = this.follow();
    this.done.catch(() => {});
  }

  static async create(path: string, sink: HeapSnapshotSink, onBytes: (bytes: number) => void): Promise<FileFollower> {
    return new FileFollower(path, await open(path, 'wx+', 0o600), sink, onBytes);
  }

  private async follow(): Promise<void> {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      if (this.stopped) return;
      const { bytesRead } = await this.file.read(buffer, 0, CHUNK_BYTES, this.bytes);
      if (bytesRead > 0) {
        this.bytes += bytesRead;
        // a copy of its own: the sink may keep it
        this.sink.write(Uint8Array.prototype.slice.call(buffer, 0, bytesRead));
        this.onBytes(this.bytes);
        if (!this.unlinked) {
          this.unlinked = true;
          await unlink(this.path).catch(() => {});
        }
        continue;
      }
      // at the end of what V8 wrote so far: done once V8 has answered, else wait a little
      if (this.writerDone) return;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, FOLLOW_POLL_MS);
      });
      this.wake = undefined;
    }
  }

  async finish(): Promise<number> {
    this.writerDone = true;
    this.wake?.();
    await this.done;
    return this.bytes;
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.done.catch(() => {});
    await this.file.close();
  }
}

/**
 * Our end of the FIFO. Opened non-blocking, so that neither we nor the program wait in open();
 * a writer end of our own keeps the reader from seeing end-of-file before V8 has opened its
 * end, and is closed as soon as V8's first bytes come (or V8 answered).
 */
class PipeReader implements Follower {
  private readonly socket: Socket;
  private holder: number | undefined;
  private bytes = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly ended: Promise<void>;
  private error: Error | undefined;

  constructor(
    fifo: string,
    private readonly sink: HeapSnapshotSink,
    private readonly onBytes: (bytes: number) => void,
  ) {
    const fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      this.holder = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.socket = new Socket({ fd, readable: true, writable: false });
    this.ended = new Promise((resolve) => {
      this.socket.on('data', (chunk: Buffer) => this.take(chunk));
      this.socket.once('end', () => resolve());
      this.socket.once('close', () => resolve());
      this.socket.once('error', (e) => {
        this.error = e;
        resolve();
      });
    });
  }

  private take(chunk: Buffer): void {
    this.release();
    this.bytes += chunk.length;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= CHUNK_BYTES) this.flush();
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const joined = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.sink.write(joined);
    this.onBytes(this.bytes);
  }

  /** Closes our own writer end: from now on V8 closing its end is the end of the file. */
  private release(): void {
    if (this.holder === undefined) return;
    closeSync(this.holder);
    this.holder = undefined;
  }

  /** Once V8 has answered: reads to the end; the bytes read in all. */
  async finish(): Promise<number> {
    this.release();
    await this.ended;
    if (this.error) throw new Error(`reading the heap snapshot from its FIFO failed: ${this.error.message}`);
    this.flush();
    return this.bytes;
  }

  close(): void {
    this.release();
    this.socket.destroy();
  }
}
