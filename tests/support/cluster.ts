// What cluster-tier tests share: the local PostgreSQL, NATS and Redis (defaults: 127.0.0.1 and
// their standard ports; POSTGRES_URL and NATS_URL override), in databases of their own.
import { provisionDatabases } from '@canvass/launcher';

export { freePort, freePortBlock } from '@canvass/launcher';

export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const TEST_DB_PREFIX = 'canvass_test_';

export function testDatabases(services: string[]): Promise<Record<string, string>> {
  return provisionDatabases({ adminUrl: POSTGRES_URL, prefix: TEST_DB_PREFIX, services });
}
