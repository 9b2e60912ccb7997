/** One question on the terminal: writes the prompt, resolves with the next input line, or null when input ends. */
import { createInterface } from 'node:readline';

export function askLine(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, output, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve(null);
    });
    output.write(question);
  });
}
