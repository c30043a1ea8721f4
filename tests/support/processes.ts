// Running a service's real main.ts as a child process, as the cluster tier does, for crash tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { eventually } from './api.ts';

export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startServiceProcess(name: string, env: Record<string, string>): ServiceProcess {
  let output = '';
  const child = spawn(process.execPath, [`services/${name}/src/main.ts`], {
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

export async function waitReady(port: number, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    if (!response.ok) throw new Error(`not ready: ${await response.text()}`);
  }, timeoutMs);
}

export async function stopProcess(service: ServiceProcess): Promise<void> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGTERM');
  await service.exited;
}
