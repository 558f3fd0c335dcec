import pg from 'pg'

/** How many events each message id has in a PostgreSQL store. */
export async function eventCounts(url: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ message_id: string; n: string }>('SELECT message_id, count(*) AS n FROM events GROUP BY message_id')
    return new Map(rows.map((row) => [row.message_id, Number(row.n)]))
  } finally {
    await client.end()
  }
}
