import { Config } from '@backstage/config';
import {
  isHttpUrl,
  parseConfigEntityRef,
} from '@internal/plugin-ai-tiles-common';
import { z } from 'zod';
import { AccessConfig, asNumber } from '../config/accessConfig';

/** A caller of the gateway, authenticated by its client token. */
export interface GatewayClient {
  id: string;
  kind: 'openwebui' | 'dify';
  /** Secret; compared in constant time, never logged. */
  token: string;
  /** The AI app (catalog Component) the client serves; owner of its service key. */
  entityRef: string;
  /** Dify app API key, for the end-user lookup (dify clients). */
  difyApiKey?: string;
}

export interface GatewayConfig {
  /** Where model calls go (LiteLLM's OpenAI-compatible API). */
  upstreamUrl: string;
  clients: GatewayClient[];
  /** Lower-case name of Open WebUI's forwarded e-mail header. */
  emailHeader: string;
  /** Dify API base URL for `GET /v1/end-users/{id}`; optional. */
  difyBaseUrl?: string;
  /** Budget of each app's service key (USD per aiTiles.budgets.duration). */
  serviceKeyBudget: number;
  /** The gateway's own port, beside Backstage's (optional). */
  listen?: { host?: string; port: number };
  limits: {
    maxBodyBytes: number;
    maxConcurrentPerEmployee: number;
    timeoutMs: number;
    connectTimeoutMs: number;
  };
}

export const GATEWAY_DEFAULTS = {
  emailHeader: 'x-openwebui-user-email',
  serviceKeyBudget: 10,
  maxBodyBytes: 25 * 1024 * 1024,
  maxConcurrentPerEmployee: 8,
  timeoutMs: 300_000,
  connectTimeoutMs: 3_000,
} as const;

/** `${ENV}` substitution yields strings: numeric strings count. */
const number = (check: z.ZodNumber) => z.preprocess(asNumber, check);

const entityRef = z.string().transform((value, ctx) => {
  try {
    const { kind, ref } = parseConfigEntityRef(value, 'component');
    if (kind.toLocaleLowerCase('en-US') !== 'component') {
      throw new Error('not a component');
    }
    return ref;
  } catch {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message:
        'must be the AI app entity ref, e.g. component:default/legal-notice-check',
    });
    return z.NEVER;
  }
});

// Strict objects refuse keys they do not know: a misspelt limit must not fall back silently.
const schema = z
  .strictObject({
    upstreamUrl: z
      .string()
      .url()
      .refine(isHttpUrl, 'must be an http(s) URL')
      .optional(),
    clients: z
      .array(
        z.strictObject({
          id: z
            .string()
            .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/i, 'letters, digits, . _ -'),
          kind: z.enum(['openwebui', 'dify']),
          token: z
            .string()
            .min(32, 'must be at least 32 characters (a random secret)'),
          entityRef,
          difyApiKey: z.string().min(1).optional(),
        }),
      )
      .min(1),
    openWebUi: z
      .strictObject({
        emailHeader: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name')
          .optional(),
      })
      .optional(),
    serviceKeys: z
      .strictObject({
        maxBudget: number(z.number().min(0)).optional(),
      })
      .optional(),
    listen: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: number(z.number().int().min(0).max(65535)),
      })
      .optional(),
    limits: z
      .strictObject({
        maxBodyBytes: number(z.number().int().min(1024)).optional(),
        maxConcurrentPerEmployee: number(z.number().int().min(1)).optional(),
        timeoutMs: number(z.number().int().min(100)).optional(),
        connectTimeoutMs: number(z.number().int().min(100)).optional(),
      })
      .optional(),
  })
  .superRefine((value, ctx) => {
    const seen = new Map<string, number>();
    value.clients.forEach((client, index) => {
      if (client.difyApiKey !== undefined && client.kind !== 'dify') {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['clients', index, 'difyApiKey'],
          message: 'is only for clients of kind dify',
        });
      }
      for (const [field, v] of [
        ['id', client.id],
        ['token', client.token],
      ] as const) {
        const key = `${field}:${v}`;
        if (seen.has(key)) {
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['clients', index, field],
            message: `must be unique (same as clients[${seen.get(key)}])`,
          });
        } else {
          seen.set(key, index);
        }
      }
    });
  });

/**
 * Reads and validates `aiTiles.gateway`; undefined when absent (the gateway
 * routes then answer 503). Errors name the path of the bad value.
 */
export function readGatewayConfig(
  config: Config,
  access: AccessConfig,
): GatewayConfig | undefined {
  const raw = config.getOptional('aiTiles.gateway');
  if (raw === undefined) return undefined;
  if (!access.configured) {
    throw new Error(
      `aiTiles.gateway needs AI access configured first: set ${access.missingConfig.join(
        ', ',
      )}`,
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path
      .map(p => (typeof p === 'number' ? `[${p}]` : `.${p}`))
      .join('');
    throw new Error(`aiTiles.gateway${path} ${issue.message}`);
  }
  const g = parsed.data;
  const serviceKeyBudget =
    g.serviceKeys?.maxBudget ?? GATEWAY_DEFAULTS.serviceKeyBudget;
  const ceiling = access.budgets.ceiling;
  if (ceiling !== undefined && serviceKeyBudget > ceiling) {
    throw new Error(
      `aiTiles.gateway.serviceKeys.maxBudget must be ≤ aiTiles.budgets.ceiling (${ceiling})`,
    );
  }
  const mainPort = backendPort(config);
  if (g.listen && g.listen.port !== 0 && g.listen.port === mainPort) {
    throw new Error(
      `aiTiles.gateway.listen.port must differ from Backstage's own port (backend.listen, ${mainPort})`,
    );
  }
  const difyBaseUrl = config.getOptionalString('aiTiles.dify.baseUrl');
  if (difyBaseUrl !== undefined && !isHttpUrl(difyBaseUrl)) {
    throw new Error('aiTiles.dify.baseUrl must be an http(s) URL');
  }
  const keyed = g.clients.findIndex(c => c.difyApiKey !== undefined);
  if (keyed >= 0 && !difyBaseUrl) {
    throw new Error(
      `aiTiles.gateway.clients[${keyed}].difyApiKey needs aiTiles.dify.baseUrl (Dify's API, for the end-user lookup)`,
    );
  }
  return {
    upstreamUrl: (g.upstreamUrl ?? access.litellm.baseUrl).replace(/\/+$/, ''),
    clients: g.clients,
    emailHeader: (
      g.openWebUi?.emailHeader ?? GATEWAY_DEFAULTS.emailHeader
    ).toLowerCase(),
    ...(difyBaseUrl ? { difyBaseUrl: difyBaseUrl.replace(/\/+$/, '') } : {}),
    serviceKeyBudget,
    ...(g.listen ? { listen: g.listen } : {}),
    limits: {
      maxBodyBytes: g.limits?.maxBodyBytes ?? GATEWAY_DEFAULTS.maxBodyBytes,
      maxConcurrentPerEmployee:
        g.limits?.maxConcurrentPerEmployee ??
        GATEWAY_DEFAULTS.maxConcurrentPerEmployee,
      timeoutMs: g.limits?.timeoutMs ?? GATEWAY_DEFAULTS.timeoutMs,
      connectTimeoutMs:
        g.limits?.connectTimeoutMs ?? GATEWAY_DEFAULTS.connectTimeoutMs,
    },
  };
}

/** Backstage's own port (`backend.listen`: ":7007", "host:port" or `{ port }`; default 7007). */
function backendPort(config: Config): number | undefined {
  const listen = config.getOptional('backend.listen');
  if (listen === undefined) return 7007;
  if (typeof listen === 'string') {
    const match = /:(\d+)$/.exec(listen);
    return match ? Number(match[1]) : undefined;
  }
  if (typeof listen === 'object' && listen !== null && 'port' in listen) {
    const port = Number((listen as { port: unknown }).port);
    return Number.isFinite(port) ? port : undefined;
  }
  return undefined;
}
