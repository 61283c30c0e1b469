import { EventSourceMessage, createParser } from 'eventsource-parser';

export interface StreamUsage {
  promptTokens?: number;
  completionTokens?: number;
  /** The completion id (`chatcmpl-…`), LiteLLM's request id. */
  id?: string;
}

function serialize(event: EventSourceMessage): string {
  let out = '';
  if (event.event) out += `event: ${event.event}\n`;
  if (event.id) out += `id: ${event.id}\n`;
  for (const line of event.data.split('\n')) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * Reads an OpenAI-style SSE stream as it passes through: records the usage
 * chunk (asked for with `stream_options.include_usage`) for the ledger and,
 * when the client did not ask for it, removes that chunk from what the
 * client receives. Other events pass unchanged and at once; with nothing to
 * hide, the upstream bytes are forwarded as they are.
 */
export class StreamUsageTap {
  readonly usage: StreamUsage = {};
  private readonly decoder = new TextDecoder();
  private readonly parser;
  private out: string[] = [];

  constructor(private readonly hideUsageChunk: boolean) {
    this.parser = createParser({
      onEvent: event => this.onEvent(event),
    });
  }

  /** The bytes to send on for one upstream chunk (possibly none). */
  transform(chunk: Buffer): Buffer | string | undefined {
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
    if (!this.hideUsageChunk) return chunk;
    if (this.out.length === 0) return undefined;
    const text = this.out.join('');
    this.out = [];
    return text;
  }

  private onEvent(event: EventSourceMessage): void {
    const { data } = event;
    let hide = false;
    if (data.includes('"usage"') || (!this.usage.id && data.startsWith('{'))) {
      try {
        const json = JSON.parse(data) as {
          id?: unknown;
          usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
          choices?: unknown[];
        };
        if (!this.usage.id && typeof json.id === 'string') {
          this.usage.id = json.id;
        }
        const u = json.usage;
        if (u && typeof u === 'object') {
          if (typeof u.prompt_tokens === 'number')
            this.usage.promptTokens = u.prompt_tokens;
          if (typeof u.completion_tokens === 'number')
            this.usage.completionTokens = u.completion_tokens;
          hide = Array.isArray(json.choices) && json.choices.length === 0;
        }
      } catch {
        // not JSON (e.g. [DONE]): passes through
      }
    }
    if (this.hideUsageChunk && !hide) this.out.push(serialize(event));
  }
}
