// `npm run rotate-certificates [-- --ca]`: re-issues every service certificate of the cluster
// tier's internal PKI now (with --ca, a new CA first). Running processes read the new files
// within a minute, or at once on SIGHUP; the next start uses them too.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PKI_DIR, ensurePki, PKI_PEERS } from './pki.ts';
import { exitOnUnsafeSecret } from './secret-file.ts';

const { values } = parseArgs({ options: { ca: { type: 'boolean' } } });
const dir = join(fileURLToPath(new URL('../../../', import.meta.url)), DEFAULT_PKI_DIR);
if (values.ca) await Promise.all(['ca.crt', 'ca.key'].map((file) => rm(join(dir, file), { force: true })));
const pki = await ensurePki(dir, PKI_PEERS, { force: true }).catch(exitOnUnsafeSecret);
process.stdout.write(
  `${pki.caIssued ? 'New internal CA; r' : 'R'}e-issued ${Object.keys(pki.services).join(', ')} in ${dir}.\n` +
    'Running processes load them within a minute (or now: kill -HUP <pid> of each).\n',
);
