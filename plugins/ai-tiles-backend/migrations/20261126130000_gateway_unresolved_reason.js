// @ts-check

/**
 * Why a gateway call was charged to the app's service key: no identity was
 * sent (e.g. Open WebUI without forwarded user headers, a Dify console test
 * run), or it named nobody the portal knows.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('ai_gateway_calls', table => {
    table
      .string('unresolved_reason', 32)
      .nullable()
      .comment(
        'When charged to the app: no-identity or unknown-employee; null otherwise',
      );
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('ai_gateway_calls', table => {
    table.dropColumn('unresolved_reason');
  });
};
