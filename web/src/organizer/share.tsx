// Sharing a poll: the link, a QR code drawn in the browser (nothing leaves the page to make it),
// and the iframe snippet that embeds the voting page on another site.
import { encode } from 'uqr';
import { CopyField } from '../fields.tsx';
import { embedSnippet, shareLink } from './model.ts';
import { saveFile } from './ui.tsx';

/** A QR code as one SVG path (dark modules only), on a white square so phones read it in dark mode. */
export function QrCode({ text, size = 192, label }: { text: string; size?: number; label: string }) {
  const qr = encode(text, { ecc: 'M', border: 2 });
  let path = '';
  qr.data.forEach((line, y) => {
    line.forEach((dark, x) => {
      if (dark) path += `M${x} ${y}h1v1h-1z`;
    });
  });
  return (
    <svg
      class="qr"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      shape-rendering="crispEdges"
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

function downloadQr(pollId: string) {
  const svg = document.querySelector('.share-panel svg.qr');
  if (!svg) return;
  saveFile(
    new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' }),
    `canvass-poll-${pollId}.svg`,
  );
}

export function SharePanel({ pollId, accessCode }: { pollId: string; accessCode?: string | undefined }) {
  const link = shareLink(pollId);
  const snippet = embedSnippet(pollId);
  return (
    <section class="share-panel" aria-labelledby="share-heading">
      <h2 id="share-heading">Share</h2>
      <div class="share-grid">
        <div>
          <CopyField id="share-link" label="Link for voters" value={link} />
          {accessCode && (
            <p>
              Access code: <code>{accessCode}</code>
            </p>
          )}
          <CopyField
            id="embed-code"
            label="Embed on a website"
            value={snippet}
            rows={5}
            copyLabel="Copy embed code"
          />
        </div>
        <figure>
          <QrCode text={link} label={`QR code for ${link}`} />
          <figcaption>
            <button type="button" class="link" onClick={() => downloadQr(pollId)}>
              Download the QR code
            </button>
          </figcaption>
        </figure>
      </div>
    </section>
  );
}
