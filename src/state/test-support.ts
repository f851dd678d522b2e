import pg from 'pg';

/** The PostgreSQL the job-database tests use (tests only). */
export const TEST_PG_URL = process.env['LAKESHIFT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Why TEST_PG_URL cannot be used, or undefined when it answers. Prints the skip reason for `what`
 * (tests only; they skip with it, never silently).
 */
export async function testPgProblem(what: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return undefined;
  } catch (error) {
    const problem = (error as Error).message;
    console.warn(`Skipping ${what}: ${TEST_PG_URL} is unreachable (${problem}).`);
    return problem;
  }
}
