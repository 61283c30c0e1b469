import { Knex } from 'knex';

const TABLE = 'ai_dify_end_users';

/**
 * Which employee a Dify end user is, per app. Dify passes its own end-user
 * UUID as `user` to the model provider; the Dify runner records the UUID of
 * each employee it runs an app for, and the gateway's end-user lookup adds
 * the ones it resolves.
 */
export class DifyEndUserStore {
  constructor(private readonly knex: Knex) {}

  async get(appRef: string, endUserId: string): Promise<string | undefined> {
    const row = await this.knex(TABLE)
      .where({ app_ref: appRef, end_user_id: endUserId })
      .first('user_ref');
    return row?.user_ref;
  }

  /** Records (or corrects) a mapping. */
  async record(
    appRef: string,
    endUserId: string,
    userRef: string,
    now: Date = new Date(),
  ): Promise<void> {
    await this.knex(TABLE)
      .insert({
        app_ref: appRef,
        end_user_id: endUserId,
        user_ref: userRef,
        created_at: now,
      })
      .onConflict(['app_ref', 'end_user_id'])
      .merge(['user_ref']);
  }
}
