/**
 * Runs a query that binds secrets (an encrypted key, a key hash). knex puts
 * a failed query's bound values into its error message (`compileSqlOnError`,
 * on in Backstage's database service), and such messages reach log lines,
 * audit events and error responses: the error is replaced by one that names
 * the operation and the driver's error code only.
 */
export async function withoutBoundValues<T>(
  operation: string,
  query: PromiseLike<T>,
): Promise<T> {
  try {
    return await query;
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    throw new Error(
      `${operation} failed${typeof code === 'string' ? ` (${code})` : ''}`,
    );
  }
}
