// `npm run audit`: npm audit of the production dependencies, failing on a high or critical
// advisory not accepted in tools/audit/accepted.json. Where npm cannot reach the advisory service
// (a registry mirror that only serves packages), it says so loudly; with CANVASS_AUDIT_REQUIRED=1
// that fails too.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { type Acceptance, judge } from './audit.ts';

const run = promisify(execFile);
const listed = JSON.parse(await readFile(new URL('../accepted.json', import.meta.url), 'utf8')) as {
  accepted: Acceptance[];
};
// npm exits 1 when it finds anything; the JSON on stdout is what counts.
const output = await run('npm', ['audit', '--omit=dev', '--json'], { maxBuffer: 64 * 1024 * 1024 }).then(
  (done) => done.stdout,
  (failed: { stdout?: string }) => failed.stdout ?? '',
);
let report: unknown;
try {
  report = JSON.parse(output);
} catch {
  report = undefined;
}
const verdict = judge(report, listed.accepted, new Date().toISOString().slice(0, 10));
const say = (line: string) => process.stdout.write(`${line}\n`);

if (verdict.kind === 'unavailable') {
  say(`!!! npm audit could not run: ${verdict.reason}`);
  say('!!! The production dependencies were NOT checked for advisories on this machine.');
  process.exit(process.env.CANVASS_AUDIT_REQUIRED === '1' ? 1 : 0);
}
for (const { advisory, acceptance } of verdict.accepted) {
  say(
    `accepted until ${acceptance.expires}: ${advisory.id} ${advisory.package} (${advisory.severity}): ${acceptance.reason}`,
  );
}
for (const advisory of verdict.lower)
  say(`below high: ${advisory.id} ${advisory.package} (${advisory.severity}) ${advisory.title}`);
for (const { advisory, acceptance } of verdict.expired) {
  say(`acceptance expired ${acceptance.expires}: ${advisory.id} ${advisory.package}`);
}
for (const advisory of verdict.failing) {
  say(`FAIL ${advisory.id} ${advisory.package} (${advisory.severity}) ${advisory.title} ${advisory.url}`);
}
if (verdict.failing.length > 0) {
  say(
    `${verdict.failing.length} high or critical advisories in production dependencies; fix, or accept one in tools/audit/accepted.json (docs/security.md)`,
  );
  process.exit(1);
}
say('npm audit: no high or critical advisory in the production dependencies');
