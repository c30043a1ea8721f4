// Pages to read the local mailbox in a browser: /mailbox lists what arrived, /mailbox/<id> shows one
// mail. No script at all; the mail's HTML is shown in a sandboxed frame (no scripts, no forms, no
// same origin) under a policy that loads nothing from the network.
import { escapeHtml } from '@canvass/service-kit';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Mailbox, MailboxMessage } from './mailbox.ts';

// The srcdoc frame inherits this policy: the mail's inline styles apply, remote images do not load.
const POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#18181b;background:#fafafa}
main{max-width:960px;margin:0 auto;padding:16px}
h1{font-size:1.5rem;line-height:1.3;margin:.5rem 0 1rem}
h2{font-size:1.125rem;margin:1.5rem 0 .5rem}
h1,h2,p,li,dt,dd,pre,a{overflow-wrap:anywhere}
a{color:#1d4ed8}
.note{color:#52525b;margin:0 0 1rem}
ol{list-style:none;margin:0;padding:0}
li{background:#fff;border:1px solid #d4d4d8;border-radius:6px;padding:12px;margin:0 0 8px}
li a{font-weight:600}
.meta{display:block;color:#52525b;font-size:.875rem}
time{white-space:nowrap}
dl{display:grid;grid-template-columns:fit-content(40%) minmax(0,1fr);gap:4px 12px;margin:0 0 1rem}
dt{font-weight:600}dd{margin:0}
iframe{width:100%;height:70vh;border:1px solid #d4d4d8;border-radius:6px;background:#fff}
pre{white-space:pre-wrap;background:#fff;border:1px solid #d4d4d8;border-radius:6px;padding:12px;font-size:.875rem}
summary{cursor:pointer;color:#1d4ed8}
`;

function page(reply: FastifyReply, title: string, main: string): string {
  reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', POLICY)
    .header('cache-control', 'no-store');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Canvass mailbox</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`;
}

const time = (iso: string): string =>
  `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.slice(0, 19).replace('T', ' '))} UTC</time>`;

/** Plain text with its http(s) links made clickable; everything else escaped. */
export function linkify(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(/https?:\/\/[^\s<>"']+/g)) {
    const url = match[0].replace(/[.,;:!?)\]]+$/, '');
    html += `${escapeHtml(text.slice(last, match.index))}<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    last = match.index + url.length;
  }
  return html + escapeHtml(text.slice(last));
}

/** Links in the mail open in a new tab, outside the sandbox; the frame itself never navigates. */
function frameDocument(html: string): string {
  const base = '<base target="_blank">';
  return /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (head) => head + base) : base + html;
}

function listPage(messages: MailboxMessage[]): string {
  const items = messages.map(
    (m) => `<li><a href="/mailbox/${encodeURIComponent(m.id)}">${escapeHtml(m.subject || '(no subject)')}</a>
<span class="meta">To ${escapeHtml(m.to.join(', '))} · ${time(m.receivedAt)}</span></li>`,
  );
  const list = items.length
    ? `<ol aria-label="Mails, newest first">\n${items.join('\n')}\n</ol>`
    : '<p>No mails yet. Mails Canvass sends will show up here.</p>';
  return `<h1>Mailbox</h1>
<p class="note">The local mailbox of the embedded tier: mails Canvass sends land here, and no mail leaves this machine.</p>
<p><a href="/mailbox">Check for new mails</a></p>
${list}`;
}

function messagePage(m: MailboxMessage): string {
  const headers = Object.entries(m.headers)
    .map(([name, value]) => `<dt>${escapeHtml(name)}</dt><dd>${escapeHtml(value)}</dd>`)
    .join('\n');
  // Each part is a region named by its heading, so a reader (or a test) can go straight to one.
  const htmlPart = m.html
    ? `<section aria-labelledby="html-part">
<h2 id="html-part">HTML version</h2>
<iframe title="HTML version of the mail" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${escapeHtml(frameDocument(m.html))}"></iframe>
</section>`
    : '';
  return `<p><a href="/mailbox">← All mails</a></p>
<h1>${escapeHtml(m.subject || '(no subject)')}</h1>
<dl>
<dt>From</dt><dd>${escapeHtml(m.from)}</dd>
<dt>To</dt><dd>${escapeHtml(m.to.join(', '))}</dd>
<dt>Date</dt><dd>${time(m.receivedAt)}</dd>
</dl>
${htmlPart}
<section aria-labelledby="text-part">
<h2 id="text-part">Text version</h2>
<pre>${linkify(m.text)}</pre>
</section>
<details><summary>All headers</summary>
<dl>
${headers}
</dl>
</details>`;
}

export function mailboxRoutes(app: FastifyInstance, mailbox: Mailbox): void {
  app.get('/mailbox', async (_request, reply) => page(reply, 'Mailbox', listPage(mailbox.messages())));

  app.get('/mailbox/messages.json', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { messages: mailbox.messages() };
  });

  app.get<{ Params: { id: string } }>('/mailbox/:id', async (request, reply) => {
    const message = mailbox.message(request.params.id);
    if (message) return page(reply, message.subject || 'Mail', messagePage(message));
    reply.code(404);
    return page(
      reply,
      'Mail not found',
      `<h1>Mail not found</h1>
<p>There is no mail with this id. The mailbox keeps only the newest mails, in memory, until Canvass stops.</p>
<p><a href="/mailbox">All mails</a></p>`,
    );
  });
}
