// One mail is written once, as blocks, and rendered twice: a plain text version that reads well on
// its own and an HTML version in one shared layout. Mail clients strip <style> in part, so the HTML
// carries inline styles only; it loads nothing (no images, no fonts) and escapes every value.
import { escapeHtml } from '@canvass/service-kit';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What every activity mail ends with: why it came and how to get fewer. */
export interface ActivityFooter {
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** Ends "You get this because …", e.g. 'you organize this poll'; each template has its own default. */
  reason?: string;
}

export interface DigestEntry {
  title: string;
  body: string;
  url: string;
  at: string;
}

export type Block =
  | string
  | { action: string; url: string }
  | { link: string; url: string }
  | { detail: string; value: string }
  | { entries: DigestEntry[] };

export interface MailContent {
  subject: string;
  heading: string;
  blocks: Block[];
  footer?: ActivityFooter & { reason: string };
}

const FONT = "system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = '#18181b'; // on white: 17.7:1
const MUTED = '#52525b'; // on white: 7.7:1
const ACCENT = '#1d4ed8'; // white on it and it on white: 6.7:1
const WRAP = 'overflow-wrap:anywhere;word-break:break-word';
const P = `margin:0 0 16px;${WRAP}`;
const SMALL = `margin:0 0 12px;font-size:14px;color:${MUTED};${WRAP}`;

/** A link's target, escaped for an attribute; anything but http(s) is a bug in the caller. */
export function href(url: string): string {
  if (!/^https?:\/\//i.test(url)) throw new TypeError(`A mail link must be http(s): ${url}`);
  return escapeHtml(url);
}

/** "20 Nov 2026, 14:05 UTC"; a value that is not a date is shown as given. */
export function formatTime(value: string | Date): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const text = new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(date);
  return `${text} UTC`;
}

export const count = (n: number, noun: string): string =>
  `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

/** A question or name as a subject line can hold it. */
export function clip(value: string, max = 70): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

function blockText(block: Block): string {
  if (typeof block === 'string') return block;
  if ('action' in block) return `${block.action}:\n${block.url}`;
  if ('link' in block) return `${block.link}:\n${block.url}`;
  if ('detail' in block) return `${block.detail}:\n${block.value}`;
  return block.entries
    .map((e) => `* ${e.title} (${formatTime(e.at)})\n  ${e.body.replace(/\n/g, '\n  ')}\n  ${e.url}`)
    .join('\n\n');
}

function blockHtml(block: Block): string {
  if (typeof block === 'string') return `<p style="${P}">${escapeHtml(block)}</p>`;
  if ('action' in block) {
    const target = href(block.url);
    return `<p style="margin:24px 0 16px"><a href="${target}" style="display:inline-block;background:${ACCENT};color:#ffffff;font-weight:600;text-decoration:none;padding:12px 20px;border-radius:6px">${escapeHtml(block.action)}</a></p>
<p style="${SMALL}">Or copy this link into your browser:<br><a href="${target}" style="color:${ACCENT}">${escapeHtml(block.url)}</a></p>`;
  }
  if ('link' in block) {
    const target = href(block.url);
    return `<p style="${P}">${escapeHtml(block.link)}:<br><a href="${target}" style="color:${ACCENT}">${escapeHtml(block.url)}</a></p>`;
  }
  if ('detail' in block) {
    return `<p style="${P}">${escapeHtml(block.detail)}:<br><code style="font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px;${WRAP}">${escapeHtml(block.value)}</code></p>`;
  }
  const items = block.entries.map(
    (e) => `<li style="margin:0 0 16px">
<a href="${href(e.url)}" style="color:${ACCENT};font-weight:600">${escapeHtml(e.title)}</a><br>
<span style="${WRAP}">${escapeHtml(e.body)}</span><br>
<span style="font-size:14px;color:${MUTED}">${escapeHtml(formatTime(e.at))}</span>
</li>`,
  );
  return `<ul style="margin:0 0 16px;padding:0 0 0 20px;${WRAP}">\n${items.join('\n')}\n</ul>`;
}

export function renderMail({ subject, heading, blocks, footer }: MailContent): RenderedMail {
  const text = [heading, ...blocks.map(blockText)];
  if (footer) {
    text.push(
      `--\nYou get this because ${footer.reason}.\nChange what Canvass mails you: ${footer.preferencesUrl}\nUnsubscribe: ${footer.unsubscribeUrl}`,
    );
  } else {
    text.push('--\nCanvass');
  }
  const foot = footer
    ? `You get this because ${escapeHtml(footer.reason)}.<br><a href="${href(footer.preferencesUrl)}" style="color:${ACCENT}">Change what Canvass mails you</a> · <a href="${href(footer.unsubscribeUrl)}" style="color:${ACCENT}">Unsubscribe</a>`
    : 'Canvass';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f4f4f5;color:${INK}">
<div role="article" aria-label="${escapeHtml(subject)}" lang="en" style="max-width:560px;margin:0 auto;padding:24px 16px;font-family:${FONT};font-size:16px;line-height:1.5;color:${INK};background:#ffffff">
<p style="margin:0 0 16px;font-size:18px;font-weight:700;color:${INK}">Canvass</p>
<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:${INK};${WRAP}">${escapeHtml(heading)}</h1>
${blocks.map(blockHtml).join('\n')}
<hr style="border:0;border-top:1px solid #d4d4d8;margin:24px 0 16px">
<p style="${SMALL}">${foot}</p>
</div>
</body>
</html>
`;
  return { subject, text: `${text.join('\n\n')}\n`, html };
}
