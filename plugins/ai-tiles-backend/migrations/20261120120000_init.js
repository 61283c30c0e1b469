// @ts-check

/**
 * AI access: each employee's LiteLLM key (encrypted) and the acceptable-use
 * policy versions they accepted. Runs on SQLite and Postgres. Timestamps are
 * written by the plugin as JS dates (SQLite keeps them as epoch milliseconds).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('ai_user_keys', table => {
    table.comment('Personal LiteLLM virtual key of each employee');
    table
      .string('user_ref', 255)
      .primary()
      .notNullable()
      .comment(
        'Lower-case Backstage user entity ref; also the LiteLLM user_id',
      );
    table.string('litellm_user_id', 255).notNullable();
    table
      .string('key_alias', 300)
      .notNullable()
      .unique()
      .comment(
        'Deterministic LiteLLM key_alias (ai-portal/<kind>/<ns>/<name>)',
      );
    table.string('key_hash', 128).nullable().comment('LiteLLM token (SHA-256)');
    table.string('key_last4', 8).nullable();
    table
      .text('encrypted_key')
      .nullable()
      .comment('AES-256-GCM ciphertext of the raw key, bound to user_ref');
    table.string('encryption_key_id', 64).nullable().index();
    table
      .string('status', 16)
      .notNullable()
      .comment('pending while a request provisions or rotates, then active');
    table.string('claim_id', 64).nullable();
    table.timestamp('claimed_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('rotated_at', { useTz: true }).nullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('ai_policy_acceptances', table => {
    table.comment('Acceptable-use policy versions accepted by employees');
    table.string('user_ref', 255).notNullable();
    table.string('version', 100).notNullable();
    table.timestamp('accepted_at', { useTz: true }).notNullable();
    table.primary(['user_ref', 'version']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ai_policy_acceptances');
  await knex.schema.dropTable('ai_user_keys');
};
