/**
 * Reads a secret from standard input: all of it when piped, one line without echo at a terminal.
 */
export async function readSecret(prompt: string, input = process.stdin): Promise<string> {
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8').trim();
  }
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (data: Buffer) => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return finish(resolve, text.trim());
          if (ch === '\u0003') return finish(reject, new Error('Cancelled.'));
          text = ch === '\u007f' ? text.slice(0, -1) : text + ch;
        }
      };
      const finish = <T>(fn: (v: T) => void, v: T) => {
        input.off('data', onData);
        process.stderr.write('\n');
        fn(v);
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
  }
}
