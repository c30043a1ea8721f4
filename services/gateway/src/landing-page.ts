// The page at `/` when the web app is not built (or not served): what is running and how to try it.
import { escapeHtml } from '@canvass/service-kit';

export function landingPage(
  tier: string,
  services: readonly string[],
  options: { webAppMissing?: boolean } = {},
): string {
  const build = options.webAppMissing
    ? '<p>The web app is not built: run <code>npm run build:web</code> (or <code>npm start</code>, which builds it), then reload.</p>\n'
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Canvass</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  body { max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  code, pre { font-family: ui-monospace, monospace; }
  pre { padding: 1rem; overflow-x: auto; border: 1px solid #8884; border-radius: .5rem; }
</style>
</head>
<body>
<main>
<h1>Canvass is running</h1>
<p>Tier: <strong>${escapeHtml(tier)}</strong>. Services: ${services.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}.</p>
${build}<h2>Try it</h2>
<pre>curl -s -X POST localhost:PORT/api/v1/polls -H 'content-type: application/json' \\
  -d '{"question":"Lunch?","options":[{"label":"Pizza"},{"label":"Salad"}]}'
curl -s -X POST localhost:PORT/api/v1/polls/POLL_ID/votes -H 'content-type: application/json' \\
  -H 'voter-token: my-device-token-1' -d '{"optionIds":["OPTION_ID"]}'
curl -s localhost:PORT/api/v1/polls/POLL_ID/results
curl -sN localhost:PORT/api/v1/polls/POLL_ID/live -H 'accept: text/event-stream'   # live (or a WebSocket)</pre>
<p>Every operation: <a href="/api/docs">the API reference</a> (OpenAPI 3.1: <a href="/api/openapi.json">/api/openapi.json</a>).</p>
<p>Health: <a href="/healthz">/healthz</a>, <a href="/readyz">/readyz</a>; metrics at <code>/metrics</code> with the operator token.</p>
</main>
</body>
</html>`;
}
