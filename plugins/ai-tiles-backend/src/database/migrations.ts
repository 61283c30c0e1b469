import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** Own bookkeeping table, so a database shared with other plugins is safe. */
export const MIGRATIONS_TABLE = 'ai_tiles_knex_migrations';

/**
 * Applies the plugin's migrations (`migrations/*.js` of this package) unless
 * the deployment manages them (`database.migrations.skip`), and returns the
 * client.
 */
export async function applyMigrations(
  database: DatabaseService,
): Promise<Knex> {
  const knex = await database.getClient();
  if (!database.migrations?.skip) {
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@internal/plugin-ai-tiles-backend',
        'migrations',
      ),
      tableName: MIGRATIONS_TABLE,
    });
  }
  return knex;
}
