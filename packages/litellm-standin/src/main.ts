/* eslint-disable no-console */
import { optionsFromEnv } from './config';
import { DEFAULT_MODELS } from './options';
import { startLiteLlmStandIn } from './server';

/**
 * `yarn workspace @internal/litellm-standin start`: the LiteLLM stand-in as a standalone process
 * for e2e tests and local demos. Not LiteLLM; never a production path.
 */
async function main(): Promise<void> {
  let options;
  try {
    options = optionsFromEnv(process.env);
  } catch (e) {
    console.error(
      `litellm-standin: ${e instanceof Error ? e.message : String(e)}`,
    );
    process.exit(1);
  }
  const quiet = ['1', 'true'].includes(
    (process.env.LITELLM_STANDIN_QUIET ?? '').toLowerCase(),
  );
  const standIn = await startLiteLlmStandIn({
    ...options,
    logger: quiet ? undefined : line => console.log(`litellm-standin: ${line}`),
  });
  const models = (options.models ?? DEFAULT_MODELS).map(m => m.model_name);
  const switches = [
    `budget_exceeded → ${options.budgetExceededStatus ?? 429}`,
    ...(options.legacyDuplicateUsers ? ['legacy duplicate users'] : []),
    ...(options.licensed ? ['licensed'] : []),
  ];
  console.log(
    `litellm-standin: LiteLLM stand-in (test/demo only) listening on ${
      standIn.url
    } with models ${models.join(', ')} (${switches.join(', ')})`,
  );
  const stop = (signal: string) => {
    console.log(`litellm-standin: ${signal}, shutting down`);
    standIn.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch(e => {
  console.error(
    `litellm-standin: failed to start: ${
      e instanceof Error ? e.message : String(e)
    }`,
  );
  process.exit(1);
});
