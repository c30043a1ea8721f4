// The cluster tier's internal PKI: a CA of its own (ECDSA P-256, about a year) and one certificate
// per service (CN and SAN name the service, serverAuth + clientAuth, 30 days), issued with the
// openssl CLI (node:crypto reads X.509 but cannot issue it) under .canvass/pki/. Every start
// reuses what is still good and re-issues a service certificate within 10 days of its end or
// signed by another CA; keys are 0600 in a 0700 folder and checked like the other secret files.
// Files are replaced whole (written aside, then renamed), so a running service that reloads them
// never reads half a file.
import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { checkSecretFile, SecretFileError } from './secret-file.ts';

const execFileAsync = promisify(execFile);
const run = (command: string, args: string[]) =>
  execFileAsync(command, args).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    throw new SecretFileError(
      'Mutual TLS between services needs the openssl command (OpenSSL 3) to issue certificates: install it, or set CANVASS_INTERNAL_TLS=off.',
    );
  });
const DAY_MS = 86_400_000;

export const DEFAULT_PKI_DIR = '.canvass/pki';
export const PKI_PEERS = [
  'gateway',
  'polls',
  'analytics',
  'identity',
  'notifications',
  'billing',
  'realtime',
] as const;

export interface PkiOptions {
  /** Days a service certificate is valid (default 30). */
  serviceDays?: number;
  /** Re-issue a service certificate this close to its end (default 10 days). */
  renewWithinDays?: number;
  /** Days the CA is valid (default 365); a CA within 30 days of its end is replaced. */
  caDays?: number;
  /** Re-issue every service certificate now (rotation). */
  force?: boolean;
}

export interface ServiceCertificate {
  cert: string;
  key: string;
  /** Whether this call issued it. */
  issued: boolean;
}

export interface Pki {
  ca: string;
  caIssued: boolean;
  services: Record<string, ServiceCertificate>;
}

const exists = (file: string) =>
  readFile(file).then(
    () => true,
    () => false,
  );

async function certificate(file: string): Promise<X509Certificate | undefined> {
  try {
    return new X509Certificate(await readFile(file));
  } catch {
    return undefined;
  }
}

const endsWithin = (cert: X509Certificate, days: number) =>
  new Date(cert.validTo).getTime() - Date.now() < days * DAY_MS;

async function newKey(file: string): Promise<void> {
  await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  await chmod(file, 0o600);
}

/** Writes `files` (temporary → final) by renaming, keys first, so readers see whole files. */
async function replace(pairs: Array<[string, string]>): Promise<void> {
  for (const [temporary, final] of pairs) await rename(temporary, final);
}

async function issueCa(dir: string, days: number): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const key = join(dir, `.ca.key.${tag}`);
  const cert = join(dir, `.ca.crt.${tag}`);
  await newKey(key);
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-out',
    cert,
    '-days',
    String(days),
    '-subj',
    '/CN=Canvass internal CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await replace([
    [key, join(dir, 'ca.key')],
    [cert, join(dir, 'ca.crt')],
  ]);
}

async function issueService(dir: string, name: string, days: number): Promise<void> {
  const tag = randomBytes(4).toString('hex');
  const key = join(dir, `.${name}.key.${tag}`);
  const csr = join(dir, `.${name}.csr.${tag}`);
  const ext = join(dir, `.${name}.ext.${tag}`);
  const cert = join(dir, `.${name}.crt.${tag}`);
  try {
    await newKey(key);
    await run('openssl', ['req', '-new', '-key', key, '-out', csr, '-subj', `/CN=${name}`]);
    await writeFile(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth,clientAuth',
        `subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:${name}`,
        '',
      ].join('\n'),
    );
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      join(dir, 'ca.crt'),
      '-CAkey',
      join(dir, 'ca.key'),
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      String(days),
      '-extfile',
      ext,
      '-out',
      cert,
    ]);
    await replace([
      [key, join(dir, `${name}.key`)],
      [cert, join(dir, `${name}.crt`)],
    ]);
  } finally {
    await Promise.all([key, csr, ext, cert].map((file) => rm(file, { force: true })));
  }
}

/** The CA and a certificate for each of `names`, reused when still good, issued otherwise. */
export async function ensurePki(
  dir: string,
  names: readonly string[] = PKI_PEERS,
  options: PkiOptions = {},
): Promise<Pki> {
  const serviceDays = options.serviceDays ?? 30;
  const renewWithin = options.renewWithinDays ?? 10;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const caKey = join(dir, 'ca.key');
  let ca = (await exists(caKey)) ? await certificate(join(dir, 'ca.crt')) : undefined;
  if (ca) await checkSecretFile(caKey, 'the internal CA key');
  const caIssued = !ca || endsWithin(ca, 30);
  if (caIssued) {
    await issueCa(dir, options.caDays ?? 365);
    ca = await certificate(join(dir, 'ca.crt'));
  }
  const services: Record<string, ServiceCertificate> = {};
  for (const name of names) {
    const cert = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    const current = (await exists(key)) ? await certificate(cert) : undefined;
    if (current) await checkSecretFile(key, `the ${name} service key`);
    const issued =
      options.force === true ||
      !current ||
      endsWithin(current, renewWithin) ||
      !current.checkIssued(ca!) ||
      !current.verify(ca!.publicKey);
    if (issued) await issueService(dir, name, serviceDays);
    services[name] = { cert, key, issued };
  }
  return { ca: join(dir, 'ca.crt'), caIssued, services };
}
