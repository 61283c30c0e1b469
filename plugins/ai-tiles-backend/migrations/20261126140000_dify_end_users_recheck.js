// @ts-check

/**
 * Forgets the Dify end users mapped so far. Earlier, Dify's end-user lookup
 * also accepted `browser` end users (a share URL's visitors, whose session id
 * is whatever they typed); such a mapping must not outlive that check. The
 * lookup records the genuine ones again on their next call.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex('ai_dify_end_users').delete();
};

/** Nothing to restore. */
exports.down = async function down() {};
