import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const TABLE = 'ai_gateway_calls';

/** One model call through the gateway. */
export interface LedgerEntry {
  createdAt: Date;
  /** The employee; undefined when unresolved (charged to the app). */
  userRef?: string;
  /** Owner of the LiteLLM key that was charged. */
  chargedRef: string;
  chargedTo: 'employee' | 'app';
  appRef: string;
  clientId: string;
  channel: 'openwebui' | 'dify';
  route: string;
  model?: string;
  stream: boolean;
  promptTokens?: number;
  completionTokens?: number;
  cost?: number;
  costSource: 'header' | 'usage' | 'none';
  status: number;
  errorType?: string;
  latencyMs: number;
  requestId?: string;
}

export interface CallLedgerOptions {
  /** Rows are written at most this long after the call. Default 250 ms. */
  flushIntervalMs?: number;
  /** A batch this large is written at once, in one statement. Default and at most 500 (SQLite's compound-select limit). */
  maxBatch?: number;
  /** Rows kept while the database is failing; older ones are dropped (logged). Default 50,000. */
  maxPending?: number;
}

/**
 * The gateway's ledger (`ai_gateway_calls`). Calls are recorded in memory and
 * written in multi-row inserts: a row per statement would cost more than the
 * gateway's own work at a few thousand calls per second. `flush()` runs on
 * shutdown, so a clean stop loses nothing.
 */
export class CallLedger {
  private pending: LedgerEntry[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;

  constructor(
    private readonly knex: Knex,
    private readonly logger: LoggerService,
    options: CallLedgerOptions = {},
  ) {
    this.flushIntervalMs = options.flushIntervalMs ?? 250;
    this.maxBatch = Math.min(options.maxBatch ?? 500, 500);
    this.maxPending = options.maxPending ?? 50_000;
  }

  record(entry: LedgerEntry): void {
    this.pending.push(entry);
    if (this.pending.length > this.maxPending) {
      const dropped = this.pending.length - this.maxPending;
      this.pending.splice(0, dropped);
      this.logger.error(
        `AI gateway ledger: the database is not keeping up; dropped ${dropped} unwritten rows`,
      );
    }
    if (this.pending.length >= this.maxBatch) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Writes everything recorded so far. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.flushing = this.flushing.then(() => this.writeAll());
    return this.flushing;
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.slice(0, this.maxBatch);
      try {
        // One multi-row statement, no transaction. 500 rows: SQLite's limit
        // of terms in the compound select knex builds for it.
        await this.knex(TABLE).insert(batch.map(toRow));
        this.pending.splice(0, batch.length);
      } catch (error) {
        this.logger.error(
          `AI gateway ledger: could not write ${batch.length} rows, retrying later: ${error}`,
        );
        if (!this.timer) {
          this.timer = setTimeout(() => void this.flush(), 5_000);
          this.timer.unref();
        }
        return;
      }
    }
  }
}

function toRow(e: LedgerEntry) {
  return {
    created_at: e.createdAt,
    user_ref: e.userRef ?? null,
    charged_ref: e.chargedRef,
    charged_to: e.chargedTo,
    app_ref: e.appRef,
    client_id: e.clientId,
    channel: e.channel,
    route: e.route,
    model: e.model?.slice(0, 255) ?? null,
    stream: e.stream,
    prompt_tokens: e.promptTokens ?? null,
    completion_tokens: e.completionTokens ?? null,
    cost: e.cost ?? null,
    cost_source: e.costSource,
    status: e.status,
    error_type: e.errorType?.slice(0, 64) ?? null,
    latency_ms: Math.round(e.latencyMs),
    request_id: e.requestId?.slice(0, 255) ?? null,
  };
}
