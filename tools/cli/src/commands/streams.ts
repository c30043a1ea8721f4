import { type AdminClient, CliError } from '../client.ts';
import { printJson } from '../output.ts';

interface Verdict {
  pollId: string;
  ok: boolean;
  version: number;
  headHash?: string;
  brokenAt?: number;
  reason?: string;
}

export async function streamsVerify(
  client: AdminClient,
  pollId: string | undefined,
  options: { json: boolean },
) {
  if (!pollId) throw new CliError('Say which poll stream to verify.', 2);
  const verdict = await client.get<Verdict>(`/admin/v1/polls/streams/${encodeURIComponent(pollId)}/verify`);
  if (options.json) printJson(verdict);
  else if (verdict.ok) {
    process.stdout.write(
      `Poll ${pollId}: hash chain intact over ${verdict.version} events; head ${verdict.headHash}.\n`,
    );
  } else {
    process.stdout.write(
      `Poll ${pollId}: hash chain BROKEN at event ${verdict.brokenAt}: ${verdict.reason}.\n`,
    );
  }
  if (!verdict.ok) throw new CliError('The stream failed verification.', 1);
}
