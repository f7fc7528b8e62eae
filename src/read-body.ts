/** Reading a whole body with a size cap: HTTP requests (our server, the sandbox) and upstream answers. */

/**
 * The stream's bytes as one Buffer, or undefined as soon as it grows past `limit` bytes. Leaving
 * early ends the iteration, which destroys the stream: nothing more is read.
 */
export async function readUpTo(stream: AsyncIterable<unknown>, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.byteLength;
    if (size > limit) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
