import { LoggerService } from '@backstage/backend-plugin-api';
import {
  IncomingHttpHeaders,
  IncomingMessage,
  ServerResponse,
} from 'node:http';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { Pool } from 'undici';
import { CallLedger, LedgerEntry } from '../database/CallLedger';
import { LiteLlmClient } from '../service/litellm/LiteLlmClient';
import { discardBody, limitedStream } from './body';
import { budgetExceededMessage } from './budgetMessage';
import { ClientAuthenticator } from './clients';
import { ConcurrencyLimiter } from './ConcurrencyLimiter';
import { GatewayClient, GatewayConfig } from './config';
import { GatewayError, invalidRequest } from './errors';
import { CallIdentity, IdentityResolver } from './identity';
import { ChargedKey, GatewayKeys, keyOwnerOf } from './keys';
import { ModelPrices } from './pricing';
import { GatewayRoute } from './routes';
import { StreamUsageTap } from './streamUsage';
import { callUpstream, clientGone, UpstreamResponse } from './upstream';
import { toGatewayError } from './upstreamErrors';

/** Response headers that belong to one hop and are not passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
]);
/** Error bodies are read up to this size (they are small JSON). */
const MAX_ERROR_BODY = 64 * 1024;

/** What the ledger learns about one call as it goes. */
interface CallRecord {
  started: number;
  createdAt: Date;
  client: GatewayClient;
  route: GatewayRoute;
  identity?: CallIdentity;
  /** The employee, when there is one. */
  userRef?: string;
  charged?: ChargedKey;
  model?: string;
  stream: boolean;
  promptTokens?: number;
  completionTokens?: number;
  headerCost?: number;
  requestId?: string;
  status: number;
  errorType?: string;
}

const number = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

function header(headers: IncomingHttpHeaders, name: string) {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function passOnHeaders(
  upstream: IncomingHttpHeaders,
  drop: string[] = [],
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || HOP_BY_HOP.has(name) || drop.includes(name))
      continue;
    out[name] = value;
  }
  return out;
}

/** LiteLLM's error envelope: `{"error":{"type","message"}}`. */
function errorOf(body: Buffer): { type?: string; message?: string } {
  try {
    const json = JSON.parse(body.toString('utf8'));
    const error = json?.error;
    if (error && typeof error === 'object') {
      return {
        type: typeof error.type === 'string' ? error.type : undefined,
        message: typeof error.message === 'string' ? error.message : undefined,
      };
    }
  } catch {
    // not JSON: passed through as it is
  }
  return {};
}

/** Usage of a JSON completion, read without parsing a large body twice. */
function usageOf(text: string) {
  const prompt = /"prompt_tokens"\s*:\s*(\d+)/.exec(text);
  const completion = /"completion_tokens"\s*:\s*(\d+)/.exec(text);
  const id = /^\s*\{\s*"id"\s*:\s*"([^"]{1,255})"/.exec(text);
  return {
    promptTokens: prompt ? Number(prompt[1]) : undefined,
    completionTokens: completion ? Number(completion[1]) : undefined,
    id: id?.[1],
  };
}

export interface GatewayServiceOptions {
  config: GatewayConfig;
  identity: IdentityResolver;
  keys: GatewayKeys;
  ledger: CallLedger;
  prices: ModelPrices;
  /** LiteLLM admin client (budget details for the budget message). */
  admin: () => LiteLlmClient;
  logger: LoggerService;
}

/**
 * The OpenAI-compatible gateway: authenticates the calling client (Open
 * WebUI or a Dify app), works out the employee, and forwards the call to
 * LiteLLM with that employee's personal key, so LiteLLM's per-user budget
 * covers chat, apps and direct use alike. Streams pass through chunk by
 * chunk with back-pressure; every model call gets a ledger row.
 */
export class GatewayService {
  private readonly clients: ClientAuthenticator;
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly concurrency: ConcurrencyLimiter;
  private readonly tagCache = new Map<string, string>();
  /** Ledger rows still waiting for their cost (awaited on close). */
  private readonly recording = new Set<Promise<void>>();
  /** Calls being served, by their abort: waited for (then cut) on close. */
  private readonly inFlight = new Set<AbortController>();
  private lastCallEnded?: () => void;

  constructor(private readonly options: GatewayServiceOptions) {
    const { config } = options;
    this.clients = new ClientAuthenticator(config.clients);
    this.concurrency = new ConcurrencyLimiter(
      config.limits.maxConcurrentPerEmployee,
    );
    const upstream = new URL(config.upstreamUrl);
    this.basePath = upstream.pathname.replace(/\/+$/, '');
    this.pool = new Pool(upstream.origin, {
      connect: { timeout: config.limits.connectTimeoutMs },
      headersTimeout: config.limits.timeoutMs,
      bodyTimeout: config.limits.timeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  /** LiteLLM tags of a call (`x-litellm-tags`), built once per client. */
  private tags(client: GatewayClient, chargedTo: 'employee' | 'app'): string {
    const key = `${client.id}\n${chargedTo}`;
    let tags = this.tagCache.get(key);
    if (!tags) {
      tags = [
        'ai-portal',
        `channel:${client.kind}`,
        `app:${client.entityRef}`,
        `charged:${chargedTo}`,
      ].join(',');
      this.tagCache.set(key, tags);
    }
    return tags;
  }

  /**
   * On shutdown, once no new calls arrive (the gateway's own port is closed;
   * Backstage refuses calls to a stopping plugin): calls under way get
   * `graceMs` to finish, then they are cut with a 503; their ledger rows are
   * handed over before the ledger's last flush.
   */
  async close(graceMs: number): Promise<void> {
    if (this.inFlight.size) {
      const cut = setTimeout(() => {
        for (const abort of this.inFlight) abort.abort(shuttingDown());
      }, graceMs);
      await new Promise<void>(resolve => {
        this.lastCallEnded = resolve;
      });
      clearTimeout(cut);
    }
    await this.pool.close();
    await Promise.allSettled([...this.recording]);
  }

  /**
   * The calling client (Open WebUI or a Dify app) by its token; 401 for
   * anyone else. Checked before the request body is read.
   */
  authenticate(req: IncomingMessage): GatewayClient {
    const client = this.clients.authenticate(req.headers);
    if (!client) {
      throw new GatewayError(
        401,
        'invalid_request_error',
        'Missing or unknown client token: the AI gateway serves only configured clients (aiTiles.gateway.clients)',
        'invalid_api_key',
      );
    }
    return client;
  }

  /**
   * Serves one call of `route` for an authenticated `client`; `body` is the
   * request read whole (JSON routes). Never throws: errors are answered.
   */
  async handle(
    route: GatewayRoute,
    client: GatewayClient,
    req: IncomingMessage,
    res: ServerResponse,
    body?: Buffer,
  ) {
    const call: CallRecord = {
      started: performance.now(),
      createdAt: new Date(),
      client,
      route,
      stream: false,
      status: 0,
    };
    // Wired before the first await: a caller that leaves while its identity
    // or key is looked up must not get a model call, and gives its slot
    // back at once (its key may take a while: provisioning).
    const abort = new AbortController();
    this.inFlight.add(abort);
    let released: (() => void) | undefined;
    const onClose = () => {
      if (res.writableFinished) return;
      abort.abort();
      released?.();
    };
    res.once('close', onClose);
    if (res.destroyed) abort.abort();
    let refusal: GatewayError | undefined;
    try {
      let json: Record<string, unknown> | undefined;
      if (route.body === 'json') {
        json = this.parseJson(body);
        call.model = typeof json.model === 'string' ? json.model : undefined;
        call.stream = json.stream === true;
      }
      // Identity fields count only from a client of the right kind.
      const identity = await this.options.identity.resolve(
        client,
        client.kind === 'openwebui'
          ? header(req.headers, this.options.config.emailHeader)
          : undefined,
        client.kind === 'dify' ? json?.user : undefined,
      );
      call.identity = identity;
      if (identity.kind === 'employee') {
        call.userRef = identity.userRef;
        if (abort.signal.aborted) throw abort.signal.reason ?? clientGone();
        released = this.concurrency.acquire(identity.userRef);
      }
      const charged = await this.options.keys.keyFor(client, identity);
      call.charged = charged;

      await this.forward(call, client, req, res, abort.signal, json, body);
    } catch (error) {
      refusal = this.fail(call, res, error);
    } finally {
      res.off('close', onClose);
      released?.();
      // Every call of a known caller gets its row, refusals included
      // (policy, concurrency limit, key provisioning failed, caller left).
      if (route.ledger && call.identity) this.record(call);
    }
    try {
      if (refusal) await this.refuse(req, res, refusal);
    } finally {
      this.inFlight.delete(abort);
      if (!this.inFlight.size) this.lastCallEnded?.();
    }
  }

  private parseJson(body: Buffer | undefined): Record<string, unknown> {
    if (!body || body.length === 0) {
      throw invalidRequest('The request body must be a JSON object');
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw invalidRequest('The request body is not valid JSON');
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) {
      throw invalidRequest('The request body must be a JSON object');
    }
    return json as Record<string, unknown>;
  }

  private async forward(
    call: CallRecord,
    client: GatewayClient,
    req: IncomingMessage,
    res: ServerResponse,
    signal: AbortSignal,
    json: Record<string, unknown> | undefined,
    rawJson: Buffer | undefined,
  ): Promise<void> {
    const { route } = call;
    let body: Buffer | string | Readable | undefined;
    let hideUsageChunk = false;
    if (json) {
      const streamOptions = json.stream_options as
        | { include_usage?: unknown }
        | undefined;
      // Ask for usage on streams (the ledger needs it) and hide it from the client.
      hideUsageChunk = call.stream && streamOptions?.include_usage !== true;
      const untagged = withoutCallerTags(json);
      if (hideUsageChunk || untagged) {
        body = JSON.stringify({
          ...(untagged ?? json),
          ...(hideUsageChunk
            ? {
                stream_options: {
                  ...(streamOptions ?? {}),
                  include_usage: true,
                },
              }
            : {}),
        });
      } else {
        body = rawJson;
      }
    } else if (route.body === 'multipart') {
      body = limitedStream(req, this.options.config.limits.maxBodyBytes);
    }

    const headers: Record<string, string> = {
      'x-litellm-tags': this.tags(client, call.charged!.chargedTo),
    };
    const contentType = header(req.headers, 'content-type');
    if (body !== undefined) {
      headers['content-type'] =
        json || !contentType ? 'application/json' : contentType;
    }
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = `${this.basePath}/v1/${route.path}${
      query >= 0 ? url.slice(query) : ''
    }`;

    let upstream: UpstreamResponse;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw signal.reason ?? clientGone();
      headers.authorization = `Bearer ${call.charged!.rawKey}`;
      upstream = await callUpstream(
        this.pool,
        { path, method: route.method, headers, body },
        signal,
      );
      // LiteLLM refused the key: rotated on another replica, or lost and
      // repaired. Once more with the key to use now (only a body read whole
      // can be resent); the same key means the 401 is the answer.
      if (
        upstream.statusCode === 401 &&
        attempt === 0 &&
        !(body instanceof Readable)
      ) {
        let next: ChargedKey;
        try {
          next = await this.options.keys.afterRefusal(
            client,
            call.identity!,
            call.charged!,
          );
        } catch (error) {
          await upstream.dump();
          throw error;
        }
        if (next.rawKey !== call.charged!.rawKey) {
          await upstream.dump();
          call.charged = next;
          continue;
        }
      }
      break;
    }

    const status = upstream.statusCode;
    const h = upstream.headers;
    // The ledger names calls as LiteLLM's spend logs do: by the completion
    // id (`chatcmpl-…`) when there is one, else LiteLLM's call id.
    const callId = h['x-litellm-call-id'] as string | undefined;
    const headerCost = Number(h['x-litellm-response-cost']);
    if (
      h['x-litellm-response-cost'] !== undefined &&
      Number.isFinite(headerCost)
    )
      call.headerCost = headerCost;
    const type = String(h['content-type'] ?? '');

    if (status >= 400) {
      call.requestId = callId;
      await this.passError(call, res, upstream, status);
      return;
    }
    call.status = status;
    if (type.startsWith('text/event-stream')) {
      await this.passStream(call, res, upstream, hideUsageChunk);
      call.requestId ??= callId;
    } else if (route.ledger && type.includes('json')) {
      const bytes = await upstream.read();
      const usage = usageOf(bytes.toString('utf8'));
      call.promptTokens = usage.promptTokens;
      call.completionTokens = usage.completionTokens;
      call.requestId = usage.id ?? callId;
      res.writeHead(status, passOnHeaders(h, ['content-length']));
      res.end(bytes);
    } else {
      call.requestId = callId;
      res.writeHead(status, passOnHeaders(h));
      await upstream.relay(res);
    }
  }

  private async passError(
    call: CallRecord,
    res: ServerResponse,
    upstream: UpstreamResponse,
    status: number,
  ): Promise<void> {
    const bytes = await upstream.read(MAX_ERROR_BODY);
    const error = errorOf(bytes);
    call.errorType = error.type;
    if (error.type === 'budget_exceeded') {
      const { ownerRef, chargedTo } = call.charged!;
      throw new GatewayError(
        429,
        'budget_exceeded',
        await budgetExceededMessage(this.options.admin(), ownerRef, chargedTo),
        'budget_exceeded',
      );
    }
    // Status and OpenAI-style body exactly as LiteLLM sent them.
    call.status = status;
    res.writeHead(status, passOnHeaders(upstream.headers, ['content-length']));
    res.end(bytes);
  }

  private async passStream(
    call: CallRecord,
    res: ServerResponse,
    upstream: UpstreamResponse,
    hideUsageChunk: boolean,
  ): Promise<void> {
    const tap = new StreamUsageTap(hideUsageChunk);
    res.writeHead(call.status, {
      ...passOnHeaders(upstream.headers, ['content-length']),
      // no-transform: the backend's compression middleware would buffer the stream.
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    try {
      await upstream.relay(res, chunk => tap.transform(chunk));
    } finally {
      call.promptTokens = tap.usage.promptTokens;
      call.completionTokens = tap.usage.completionTokens;
      call.requestId ??= tap.usage.id;
    }
  }

  /**
   * What a failed call answers: the error in OpenAI's shape, or undefined
   * when there is nobody to answer (the caller left) or the response had
   * begun (then it is cut, so that the client sees the stream end early).
   */
  private fail(
    call: CallRecord,
    res: ServerResponse,
    error: unknown,
  ): GatewayError | undefined {
    const gatewayError = toGatewayError(error, {
      responseGone: res.destroyed || res.writableEnded,
      timeoutMs: this.options.config.limits.timeoutMs,
      logger: this.options.logger,
    });
    if (!gatewayError) {
      call.status = 499;
      call.errorType = 'client_closed_request';
      return undefined;
    }
    call.status = gatewayError.status;
    call.errorType ??= gatewayError.type;
    if (res.headersSent) {
      res.destroy();
      return undefined;
    }
    if (gatewayError.status >= 500) {
      this.options.logger.warn(
        `AI gateway: ${call.client.id} ${call.route.path} → ${gatewayError.status}: ${gatewayError.message}`,
      );
    }
    return gatewayError;
  }

  /**
   * Sends a refusal. An upload not read to its end (multipart, refused
   * before or while it streamed to LiteLLM) is read on first, within
   * bounds and into the void, so that clients which send the whole body
   * before reading see the error rather than a reset; past the bounds the
   * connection is closed. After the call's slot is given back.
   */
  private async refuse(
    req: IncomingMessage,
    res: ServerResponse,
    error: GatewayError,
  ): Promise<void> {
    // Streamed uploads go to LiteLLM no more.
    req.unpipe();
    if (
      !req.complete &&
      !(await discardBody(req, this.options.config.limits.maxBodyBytes))
    ) {
      res.setHeader('connection', 'close');
    }
    if (!res.destroyed) error.send(res);
  }

  /** Writes the call's ledger row; `call.identity` is known. */
  private record(call: CallRecord): void {
    const { client } = call;
    const identity = call.identity!;
    // Refused before a key was chosen: the owner whose key would have paid.
    const { ownerRef, chargedTo } =
      call.charged ?? keyOwnerOf(client, identity);
    const recorded = this.cost(call).then(({ cost, costSource }) => {
      const entry: LedgerEntry = {
        createdAt: call.createdAt,
        userRef: call.userRef,
        chargedRef: ownerRef,
        chargedTo,
        unresolvedReason: identity.kind === 'app' ? identity.reason : undefined,
        appRef: client.entityRef,
        clientId: client.id,
        channel: client.kind,
        route: call.route.path,
        model: call.model,
        stream: call.stream,
        promptTokens: call.promptTokens,
        completionTokens: call.completionTokens,
        cost,
        costSource,
        status: call.status || 500,
        errorType: call.errorType,
        latencyMs: performance.now() - call.started,
        requestId: call.requestId,
      };
      this.options.ledger.record(entry);
    });
    this.recording.add(recorded);
    void recorded.finally(() => this.recording.delete(recorded));
  }

  /** LiteLLM's cost header for whole responses, else usage × price. */
  private async cost(
    call: CallRecord,
  ): Promise<{ cost?: number; costSource: LedgerEntry['costSource'] }> {
    if (call.status >= 400) return { cost: 0, costSource: 'none' };
    if (!call.stream && call.headerCost !== undefined) {
      return { cost: call.headerCost, costSource: 'header' };
    }
    const p = number(call.promptTokens);
    const c = number(call.completionTokens);
    if (p !== undefined || c !== undefined) {
      const cost = await this.options.prices
        .cost(call.model, p ?? 0, c ?? 0)
        .catch(() => undefined);
      if (cost !== undefined) return { cost, costSource: 'usage' };
    }
    if (call.headerCost !== undefined) {
      return { cost: call.headerCost, costSource: 'header' };
    }
    return { costSource: 'none' };
  }
}

/** Why calls still open at the end of the shutdown grace are cut. */
function shuttingDown(): GatewayError {
  return new GatewayError(
    503,
    'service_unavailable',
    'The AI gateway is restarting; try again in a moment',
  );
}

/** Where LiteLLM reads a body's metadata: `litellm_metadata` when present, else `metadata`. */
const METADATA_FIELDS = ['metadata', 'litellm_metadata'] as const;

/**
 * Tags are the gateway's (`x-litellm-tags`): LiteLLM would also take them
 * from the body (`tags`, and `tags` in `metadata` or `litellm_metadata`,
 * objects or JSON strings), where a caller could claim another app or
 * `charged:app`. The body without them; undefined when it carries none
 * (then it is forwarded as received).
 */
function withoutCallerTags(
  json: Record<string, unknown>,
): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  if ('tags' in json) {
    const { tags: _dropped, ...rest } = json;
    out = rest;
  }
  for (const field of METADATA_FIELDS) {
    const kept = metadataWithoutTags(json[field]);
    if (kept !== undefined) out = { ...(out ?? json), [field]: kept };
  }
  return out;
}

/** Metadata without its `tags`; undefined when it has none. */
function metadataWithoutTags(metadata: unknown): unknown {
  if (typeof metadata === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata);
    } catch {
      return undefined; // not JSON: LiteLLM reads no tags from it either
    }
    const kept = metadataWithoutTags(parsed);
    return kept === undefined ? undefined : JSON.stringify(kept);
  }
  if (
    !metadata ||
    typeof metadata !== 'object' ||
    Array.isArray(metadata) ||
    !('tags' in metadata)
  ) {
    return undefined;
  }
  const { tags: _dropped, ...kept } = metadata as Record<string, unknown>;
  return kept;
}
