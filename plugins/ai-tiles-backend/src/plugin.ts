import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { Dispatcher } from 'undici';
import { readAccessConfig } from './config/accessConfig';
import { KeyVault } from './database/KeyVault';
import { applyMigrations } from './database/migrations';
import { PolicyAcceptanceStore } from './database/PolicyAcceptanceStore';
import { createRouter } from './router';
import { AccessService } from './service/access/AccessService';
import { LiteLlmUserCache } from './service/access/LiteLlmUserCache';
import { BUDGET_SYNC_TASK_ID, BudgetSync } from './service/budgets/BudgetSync';
import { EmployeeDirectory } from './service/budgets/BudgetResolver';
import { KeyEncryption } from './service/crypto/KeyEncryption';
import { LiteLlmClient } from './service/litellm/LiteLlmClient';
import {
  KeyProvisioner,
  KeyProvisionerHooks,
} from './service/provisioning/KeyProvisioner';
import { loadPolicy, policyPageUrl } from './service/policy';
import { CallLedger } from './database/CallLedger';
import { DifyEndUserStore } from './database/DifyEndUserStore';
import { GatewayService } from './gateway/GatewayService';
import { IdentityResolver } from './gateway/identity';
import { GatewayKeys, appServiceKeyProfile, isAppRef } from './gateway/keys';
import { ModelPrices } from './gateway/pricing';
import { createGatewayHandler, createGatewayRouter } from './gateway/router';
import { GatewayListener, startGatewayListener } from './gateway/listener';
import { GATEWAY_DEFAULTS, readGatewayConfig } from './gateway/config';

/** Id of the scheduled task that moves stored keys to the active encryption key. */
export const REENCRYPT_TASK_ID = 'ai-tiles-reencrypt-keys';

/**
 * Tuning and test seams of {@link createAiTilesPlugin}. Production uses the
 * defaults (the default export).
 */
export interface AiTilesPluginOptions {
  provisioning?: {
    heartbeatMs?: number;
    staleClaimMs?: number;
    waitTimeoutMs?: number;
    pollIntervalMs?: number;
    hooks?: KeyProvisionerHooks;
  };
  /** TTL of cached LiteLLM reads per employee; default 30 s. */
  userCacheTtlMs?: number;
  /** First retry delay of LiteLLM GETs; default 200 ms. */
  retryBaseDelayMs?: number;
  /**
   * The undici dispatcher of the portal's LiteLLM admin calls; default
   * undici's global one. A seam for tests that watch or hold those calls.
   */
  litellmDispatcher?: Dispatcher;
  /** The fetch of the gateway's Dify end-user lookup; default the global fetch. */
  difyFetch?: typeof fetch;
  /** Ledger batching (tests flush at once). */
  ledger?: { flushIntervalMs?: number };
  /** How long calls under way (on both ports) may take to finish when the backend stops; default 10 s. */
  gatewayShutdownGraceMs?: number;
}

/**
 * The ai-tiles backend plugin, served at /api/ai-tiles. Every route needs a
 * signed-in user or a service token except /health and the AI gateway
 * (/gateway/v1, client tokens of its own); `/me/*` needs a user.
 */
export function createAiTilesPlugin(options: AiTilesPluginOptions = {}) {
  return createBackendPlugin({
    pluginId: 'ai-tiles',
    register(env) {
      env.registerInit({
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.logger,
          httpRouter: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          auth: coreServices.auth,
          database: coreServices.database,
          cache: coreServices.cache,
          auditor: coreServices.auditor,
          scheduler: coreServices.scheduler,
          lifecycle: coreServices.lifecycle,
          catalog: catalogServiceRef,
        },
        async init({
          config,
          logger,
          httpRouter,
          httpAuth,
          auth,
          database,
          cache,
          auditor,
          scheduler,
          lifecycle,
          catalog,
        }) {
          const policy = await loadPolicy(config);
          const policyUrl = policyPageUrl(config);
          const accessConfig = readAccessConfig(config);
          if (accessConfig.configured && !policy) {
            throw new Error(
              'aiTiles.policy is required when aiTiles.litellm is configured: employees accept it before they get a key',
            );
          }
          const gatewayConfig = readGatewayConfig(config, accessConfig);
          const knex = await applyMigrations(database);
          const acceptances = new PolicyAcceptanceStore(knex);

          let access: AccessService;
          let gateway: GatewayService | undefined;
          let listener: GatewayListener | undefined;
          if (accessConfig.configured) {
            const { litellm, budgets } = accessConfig;
            const encryption = KeyEncryption.fromConfig(
              accessConfig.encryptionKeys,
            );
            const vault = new KeyVault(knex, encryption, logger);
            const client = litellm.masterKey
              ? new LiteLlmClient({
                  baseUrl: litellm.baseUrl,
                  masterKey: litellm.masterKey,
                  timeoutMs: litellm.timeoutMs,
                  retries: litellm.retries,
                  retryBaseDelayMs: options.retryBaseDelayMs,
                  dispatcher: options.litellmDispatcher,
                })
              : undefined;
            if (!client) {
              logger.warn(
                'aiTiles.litellm.masterKey is not set: AI access answers 503 until it is',
              );
            }
            const getClient = () => {
              if (!client) {
                throw new ServiceUnavailableError(
                  'AI access is unavailable: aiTiles.litellm.masterKey is not set',
                );
              }
              return client;
            };
            const directory = new EmployeeDirectory({
              catalog,
              auth,
              cache,
              logger,
              budgets,
            });
            const users = new LiteLlmUserCache(cache, options.userCacheTtlMs);
            let gatewayKeys: GatewayKeys | undefined;
            // Employees, and the AI apps' service keys of the gateway.
            const profileOf = async (ref: string) =>
              isAppRef(ref)
                ? appServiceKeyProfile(ref, {
                    maxBudget:
                      gatewayConfig?.serviceKeyBudget ??
                      GATEWAY_DEFAULTS.serviceKeyBudget,
                    duration: budgets.duration,
                  })
                : directory.getProfile(ref);
            const provisioner = new KeyProvisioner({
              vault,
              client: getClient,
              profile: profileOf,
              auditor,
              logger,
              onKeyChanged: async (ref, user) => {
                gatewayKeys?.forget(ref);
                await (user ? users.set(ref, user) : users.delete(ref));
              },
              heartbeatMs: options.provisioning?.heartbeatMs,
              staleClaimMs: options.provisioning?.staleClaimMs,
              waitTimeoutMs: options.provisioning?.waitTimeoutMs,
              pollIntervalMs: options.provisioning?.pollIntervalMs,
              hooks: options.provisioning?.hooks,
            });
            access = new AccessService({
              config: accessConfig,
              policy,
              acceptances,
              vault,
              provisioner,
              directory,
              client: getClient,
              users,
              auditor,
              logger,
            });

            if (gatewayConfig) {
              const ledger = new CallLedger(knex, logger, options.ledger);
              gatewayKeys = new GatewayKeys({
                provisioner,
                vault,
                client: getClient,
                acceptances,
                policyVersion: policy!.version,
                policyUrl,
              });
              gateway = new GatewayService({
                config: gatewayConfig,
                identity: new IdentityResolver({
                  catalog,
                  auth,
                  logger,
                  difyEndUsers: new DifyEndUserStore(knex),
                  difyBaseUrl: gatewayConfig.difyBaseUrl,
                  fetch: options.difyFetch,
                }),
                keys: gatewayKeys,
                ledger,
                prices: new ModelPrices(getClient, logger),
                admin: getClient,
                logger,
              });
              const service = gateway;
              lifecycle.addShutdownHook(async () => {
                // One grace for the calls on both ports: the stop stays
                // within a pod's grace period (see the root README).
                const deadline =
                  Date.now() + (options.gatewayShutdownGraceMs ?? 10_000);
                const left = () => Math.max(0, deadline - Date.now());
                await listener?.close(left());
                await service.close(left());
                await ledger.flush();
              });
            }

            // Encryption key rotation: rows written with an older key are
            // re-encrypted with the first (active) one.
            await scheduler.scheduleTask({
              id: REENCRYPT_TASK_ID,
              frequency: { minutes: 30 },
              timeout: { minutes: 10 },
              initialDelay: { seconds: 30 },
              fn: async signal => {
                const result = await vault.reencryptAll({ signal });
                if (result.reencrypted || result.undecryptable) {
                  const failed = result.undecryptable
                    ? `; ${result.undecryptable} could not be decrypted with any configured key`
                    : '';
                  logger.info(
                    `Re-encrypted ${result.reencrypted} stored keys with encryption key '${encryption.activeKeyId}'${failed}`,
                  );
                }
              },
            });

            if (client) {
              // Config and catalog group changes reach employees who only use
              // chat and apps (the access summary handles the others).
              const budgetSync = new BudgetSync({
                vault,
                client: getClient,
                profile: profileOf,
                onUpdated: ref => users.delete(ref),
                auditor,
                logger,
              });
              await scheduler.scheduleTask({
                id: BUDGET_SYNC_TASK_ID,
                frequency: { hours: 1 },
                timeout: { minutes: 30 },
                initialDelay: { minutes: 1 },
                fn: async signal => {
                  const result = await budgetSync.run(signal);
                  if (result.updated || result.failed) {
                    logger.info(
                      `LiteLLM budgets: ${result.updated} of ${result.checked} key owners updated, ${result.failed} failed`,
                    );
                  }
                },
              });
            }
          } else {
            access = new AccessService({
              config: accessConfig,
              policy,
              acceptances,
              auditor,
              logger,
            });
          }

          const gatewayHandler = createGatewayHandler({
            service: gateway,
            maxBodyBytes:
              gatewayConfig?.limits.maxBodyBytes ??
              GATEWAY_DEFAULTS.maxBodyBytes,
          });
          httpRouter.use(
            await createRouter({
              policy,
              access,
              httpAuth,
              gateway: createGatewayRouter(gatewayHandler),
            }),
          );
          if (gateway && gatewayConfig?.listen) {
            const started = await startGatewayListener({
              handler: gatewayHandler,
              ...gatewayConfig.listen,
              logger,
            });
            listener = started;
            lifecycle.addStartupHook(() => started.serve());
          }
          httpRouter.addAuthPolicy({
            path: '/health',
            allow: 'unauthenticated',
          });
          // Callers authenticate with gateway client tokens instead.
          httpRouter.addAuthPolicy({
            path: '/gateway',
            allow: 'unauthenticated',
          });
        },
      });
    },
  });
}

/**
 * The ai-tiles backend plugin, served at /api/ai-tiles.
 *
 * @public
 */
export const aiTilesPlugin = createAiTilesPlugin();
