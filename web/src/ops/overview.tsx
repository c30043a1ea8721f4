// The overview: each service with its instances and circuit breaker, traffic per service (RED,
// from two reads of /metrics a few seconds apart), and the alerts the gateway computes from
// deploy/prometheus's rules.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, messageOf } from '../api.ts';
import { parseMetrics, type Red, redBetween, type Sample } from './metrics.ts';
import { metricsText, opsCall, type ServicesAnswer } from './ops-api.ts';

const REFRESH_MS = 5_000;

interface Alert {
  name: string;
  state: 'pending' | 'firing';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  activeAt?: string;
  value?: number;
  partialWindow?: boolean;
}

/** Runs `work` now and every REFRESH_MS while the tab is visible. */
function useEvery(work: () => void, keys: unknown[]): void {
  useEffect(() => {
    work();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') work();
    }, REFRESH_MS);
    return () => clearInterval(timer);
  }, keys);
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.01 ? 2 : 1)}%`;
const millis = (value: number | null) =>
  value === null ? '—' : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

function Services({ services }: { services: ServicesAnswer | null }) {
  if (!services) return <p class="muted">Loading services…</p>;
  return (
    <div class="table-scroll">
      <table class="ops-table" aria-labelledby="services">
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Instances</th>
            <th scope="col">Circuit</th>
          </tr>
        </thead>
        <tbody>
          {services.services.map((name) => {
            const health = services.health[name];
            const down = health?.instances.filter((instance) => instance.ejected) ?? [];
            return (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td>
                  {health
                    ? `${health.instances.length - down.length} of ${health.instances.length} serving`
                    : '—'}
                  {down.length > 0 && (
                    <span class="ops-bad"> (ejected: {down.map((i) => i.name).join(', ')})</span>
                  )}
                </td>
                <td>
                  <span class={`badge ${health?.breaker === 'closed' ? 'ops-ok' : 'ops-bad'}`}>
                    {health?.breaker ?? 'unknown'}
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Traffic({ token }: { token: string }) {
  const previous = useRef<{ at: number; samples: Sample[] } | null>(null);
  const [rows, setRows] = useState<Red[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEvery(() => {
    metricsText(token).then(
      (text) => {
        const now = { at: Date.now(), samples: parseMetrics(text) };
        if (previous.current)
          setRows(redBetween(previous.current.samples, now.samples, (now.at - previous.current.at) / 1000));
        previous.current = now;
        setError(null);
      },
      (caught) => setError(caught instanceof Error ? caught.message : String(caught)),
    );
  }, [token]);
  return (
    <section aria-labelledby="traffic">
      <h2 id="traffic">Traffic</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!rows ? (
        <p class="muted">Measuring over the next {REFRESH_MS / 1000} seconds…</p>
      ) : rows.length === 0 ? (
        <p class="muted">No requests yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="ops-table">
            <caption>Requests per service over the last {REFRESH_MS / 1000} seconds</caption>
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Requests/s</th>
                <th scope="col">Errors (5xx)</th>
                <th scope="col">p50</th>
                <th scope="col">p99</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.service}>
                  <th scope="row">{row.service}</th>
                  <td>{row.requestsPerSecond.toFixed(1)}</td>
                  <td class={row.errorRatio > 0.01 ? 'ops-bad' : undefined}>{percent(row.errorRatio)}</td>
                  <td>{millis(row.p50Ms)}</td>
                  <td>{millis(row.p99Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Alerts({ token }: { token: string }) {
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  useEvery(() => {
    opsCall<{ alerts: Alert[] }>(token, 'GET', '/admin/v1/alerts').then(
      (answer) => {
        setAlerts(answer.alerts);
        setNote(null);
      },
      (caught) =>
        setNote(
          caught instanceof ApiError && caught.status === 404
            ? 'This gateway does not evaluate alerts.'
            : messageOf(caught),
        ),
    );
  }, [token]);
  return (
    <section aria-labelledby="alerts">
      <h2 id="alerts">Alerts</h2>
      {note && <p class="muted">{note}</p>}
      {alerts && alerts.length === 0 && <p class="ops-ok-text">No alert is firing or pending.</p>}
      {alerts && alerts.length > 0 && (
        <ul class="ops-alerts">
          {alerts.map((alert) => (
            <li
              key={`${alert.name}${JSON.stringify(alert.labels)}`}
              class={`ops-alert ops-alert-${alert.state}`}
            >
              <strong>{alert.name}</strong> <span class="badge">{alert.state}</span>{' '}
              {alert.labels.severity && <span class="badge">{alert.labels.severity}</span>}
              <p>{alert.annotations.summary ?? alert.annotations.description}</p>
              {alert.annotations.runbook && (
                <p class="muted">
                  Runbook: <code>{alert.annotations.runbook}</code>
                  {alert.partialWindow ? ' · judged on the history this gateway has kept so far' : ''}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function OverviewPage({ token, services }: { token: string; services: ServicesAnswer | null }) {
  return (
    <>
      <h1>Overview</h1>
      <Alerts token={token} />
      <section aria-labelledby="services">
        <h2 id="services">Services</h2>
        <Services services={services} />
      </section>
      <Traffic token={token} />
    </>
  );
}
