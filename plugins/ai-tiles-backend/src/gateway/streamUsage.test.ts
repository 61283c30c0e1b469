import { StreamUsageTap } from './streamUsage';

const chunk = (obj: object) => `data: ${JSON.stringify(obj)}\n\n`;
const content = (text: string) =>
  chunk({
    id: 'chatcmpl-1',
    choices: [{ index: 0, delta: { content: text } }],
  });
const usage = chunk({
  id: 'chatcmpl-1',
  choices: [],
  usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
});
const stream = [content('Hel'), content('lo'), usage, 'data: [DONE]\n\n'];

function run(tap: StreamUsageTap, parts: string[]): string {
  return parts
    .map(p => tap.transform(Buffer.from(p)))
    .filter(out => out !== undefined)
    .map(out => out!.toString())
    .join('');
}

describe('StreamUsageTap', () => {
  it('passes the bytes through untouched and reads usage when the client asked for it', () => {
    const tap = new StreamUsageTap(false);
    const parts = stream.map(p => Buffer.from(p));
    const outs = parts.map(p => tap.transform(p));
    outs.forEach((out, i) => expect(out).toBe(parts[i]));
    expect(tap.usage).toEqual({
      id: 'chatcmpl-1',
      promptTokens: 12,
      completionTokens: 5,
    });
  });

  it('hides the usage chunk it asked for, keeping every other event', () => {
    const tap = new StreamUsageTap(true);
    expect(run(tap, stream)).toBe(
      [content('Hel'), content('lo'), 'data: [DONE]\n\n'].join(''),
    );
    expect(tap.usage.promptTokens).toBe(12);
  });

  it('copes with events split across chunks and multi-byte characters split in two', () => {
    const all = Buffer.from(
      [content('Grüße'), usage, 'data: [DONE]\n\n'].join(''),
    );
    const tap = new StreamUsageTap(true);
    const outs: string[] = [];
    // Byte-by-byte: splits inside JSON, inside "\n\n" and inside "ü".
    for (let i = 0; i < all.length; i++) {
      const out = tap.transform(all.subarray(i, i + 1));
      if (out !== undefined) outs.push(out.toString());
    }
    expect(outs.join('')).toBe(`${content('Grüße')}data: [DONE]\n\n`);
    expect(tap.usage.completionTokens).toBe(5);
  });

  it('keeps usage that arrives on a content chunk (some providers) and forwards that chunk', () => {
    const mixed = chunk({
      id: 'x',
      choices: [{ index: 0, delta: { content: 'hi' } }],
      usage: { prompt_tokens: 3, completion_tokens: 1 },
    });
    const tap = new StreamUsageTap(true);
    expect(run(tap, [mixed])).toBe(mixed);
    expect(tap.usage).toMatchObject({ promptTokens: 3, completionTokens: 1 });
  });
});
