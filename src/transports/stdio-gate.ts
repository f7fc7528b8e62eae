/**
 * A gate between stdin and the SDK's stdio transport. The transport drops a line that fails its
 * message schema without answering (see inbound-check.ts); the gate reads the lines first, answers an
 * invalid request itself on stdout with a JSON-RPC error, logs one short line, and passes on only the
 * lines the SDK will take. Everything else (closing, stdout errors) stays the SDK transport's.
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { STDIO_DEFAULT_MAX_BUFFER_SIZE, serializeMessage } from '@modelcontextprotocol/server';
import { cleanText } from '../clean-text.js';
import { checkInbound } from './inbound-check.js';

export interface StdioGate {
  /** What the SDK transport reads instead of stdin: valid lines only. */
  input: Readable;
  /** Stops reading stdin (the transport closed). */
  detach(): void;
}

export interface StdioGateOptions {
  /** A line longer than this is dropped unread (the SDK's own buffer limit by default). */
  maxLineBytes?: number;
  /** One short line per dropped or answered message. */
  log: (line: string) => void;
}

const NEWLINE = 0x0a;

export function stdioGate(stdin: Readable, stdout: Writable, opts: StdioGateOptions): StdioGate {
  const max = opts.maxLineBytes ?? STDIO_DEFAULT_MAX_BUFFER_SIZE;
  const input = new PassThrough();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Inside a line too long to keep: skip to its end. */
  let skipping = false;

  const line = (raw: string) => {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!text.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      opts.log(`invalid JSON-RPC message dropped: not JSON (${Buffer.byteLength(text)} bytes)`);
      return;
    }
    const verdict = checkInbound(value);
    if (verdict.ok) {
      input.write(`${text}\n`);
      return;
    }
    opts.log(verdict.log);
    if (verdict.reply) stdout.write(serializeMessage(verdict.reply));
  };

  const onData = (chunk: Buffer | string) => {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let nl = buf.indexOf(NEWLINE); nl !== -1; nl = buf.indexOf(NEWLINE)) {
      if (skipping) skipping = false;
      else line(Buffer.concat([...pending, buf.subarray(0, nl)]).toString('utf8'));
      pending = [];
      pendingBytes = 0;
      buf = buf.subarray(nl + 1);
    }
    if (skipping || !buf.length) return;
    pending.push(buf);
    pendingBytes += buf.length;
    if (pendingBytes > max) {
      opts.log(cleanText(`invalid JSON-RPC message dropped: a line longer than ${max} bytes`));
      pending = [];
      pendingBytes = 0;
      skipping = true;
    }
  };
  const onEnd = () => {
    if (!input.writableEnded) input.end();
  };
  const onError = (err: Error) => input.destroy(err);

  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  stdin.once('error', onError);
  return {
    input,
    detach() {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('close', onEnd);
      stdin.off('error', onError);
      if (stdin.listenerCount('data') === 0) stdin.pause();
    },
  };
}
