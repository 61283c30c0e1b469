// @ts-check

/**
 * The AI gateway: one ledger row per model call, and the Dify end users the
 * Dify runner (or Dify's end-user lookup) mapped to employees.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_gateway_calls', table => {
    table.comment('One row per model call through the AI gateway');
    table.bigIncrements('id').primary();
    table.timestamp('created_at', { useTz: true }).notNullable().index();
    table
      .string('user_ref', 255)
      .nullable()
      .index()
      .comment('The employee who made the call; null when unresolved');
    table
      .string('charged_ref', 255)
      .notNullable()
      .comment('Owner of the LiteLLM key charged: the employee or the app');
    table
      .string('charged_to', 16)
      .notNullable()
      .comment('employee, or app (its service key: employee unresolved)');
    table.string('app_ref', 255).notNullable().index();
    table.string('client_id', 100).notNullable();
    table.string('channel', 16).notNullable().comment('openwebui or dify');
    table.string('route', 64).notNullable();
    table.string('model', 255).nullable();
    table.boolean('stream').notNullable();
    table.integer('prompt_tokens').nullable();
    table.integer('completion_tokens').nullable();
    table.double('cost').nullable().comment('USD');
    table
      .string('cost_source', 16)
      .notNullable()
      .comment(
        'header (x-litellm-response-cost), usage (tokens × price) or none',
      );
    table
      .integer('status')
      .notNullable()
      .comment('HTTP status returned to the caller; 499 = caller went away');
    table.string('error_type', 64).nullable();
    table.integer('latency_ms').notNullable();
    table.string('request_id', 255).nullable().comment('LiteLLM call id');
  });

  await knex.schema.createTable('ai_dify_end_users', table => {
    table.comment('Dify end-user UUIDs (per app) of employees');
    table.string('app_ref', 255).notNullable();
    table.string('end_user_id', 64).notNullable();
    table.string('user_ref', 255).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.primary(['app_ref', 'end_user_id']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_dify_end_users');
  await knex.schema.dropTable('ai_gateway_calls');
};
