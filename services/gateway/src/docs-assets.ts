// The API reference page's inline style and script (see docs-page.ts); both are fixed text, so
// the page's Content-Security-Policy allows exactly them by hash.
export const DOCS_STYLE = `
:root{--ink:#1c2330;--muted:#5b6474;--line:#e3e7ee;--bg:#f7f8fb;--side:#141a26;--accent:#4f46e5}
*{box-sizing:border-box}body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg);display:flex}
nav{position:sticky;top:0;height:100vh;overflow:auto;width:300px;flex:none;background:var(--side);color:#c9d1e0;padding:20px 14px}
nav a{color:inherit;text-decoration:none}nav a:hover{color:#fff}
.brand{font-weight:700;font-size:18px;color:#fff;margin-bottom:14px}.version{font-weight:400;font-size:12px;color:#8b95a8}
#filter{width:100%;padding:8px 10px;border-radius:6px;border:1px solid #2c3547;background:#1d2433;color:#fff;margin-bottom:14px}
.toc,.toc ul{list-style:none;margin:0;padding:0}.toc>li{margin:12px 0 4px;font-weight:600;color:#fff}
.toc ul li{font-weight:400;margin:3px 0;font-size:13px;color:#c9d1e0}.toc .method{font-size:10px;min-width:46px}
.raw{font-size:12px;color:#8b95a8;margin-top:20px}
main{flex:1;min-width:0;padding:32px 48px;max-width:1100px}
header h1{margin:0 0 8px;font-size:30px}header p{color:var(--muted);max-width:820px}
h2{margin:40px 0 4px;font-size:22px;border-bottom:2px solid var(--line);padding-bottom:6px}.tagdesc{color:var(--muted);margin:4px 0 16px}
.op{background:#fff;border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:16px 0;box-shadow:0 1px 2px rgba(20,26,38,.04)}
.op h3{margin:0;font-size:16px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}.summary{margin:6px 0;font-weight:600}
h4{margin:18px 0 6px;font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.method{display:inline-block;min-width:58px;text-align:center;border-radius:4px;padding:2px 6px;font:700 11px/1.6 ui-monospace,monospace;color:#fff;background:#64748b}
.m-get{background:#2563eb}.m-post{background:#059669}.m-patch{background:#d97706}.m-put{background:#7c3aed}.m-delete{background:#dc2626}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f1f3f8;border-radius:4px;padding:1px 5px}
.path{font-size:15px;background:none;padding:0}.param{color:var(--accent)}
.creds{font-size:13px;color:var(--muted)}.label{font-weight:600;margin-right:6px}.or{font-size:12px;margin:0 4px}
table.params{border-collapse:collapse;width:100%;font-size:14px}.params th{text-align:left;font-size:12px;color:var(--muted);font-weight:600}
.params td,.params th{border-top:1px solid var(--line);padding:6px 8px;vertical-align:top}
.response{border-top:1px solid var(--line);padding:7px 0}.response summary{cursor:pointer}
.status{display:inline-block;min-width:40px;text-align:center;border-radius:10px;font:700 12px/1.7 ui-monospace,monospace;padding:0 6px}
.s1,.s2{background:#dcfce7;color:#166534}.s3{background:#e0e7ff;color:#3730a3}.s4{background:#ffedd5;color:#9a3412}.s5{background:#fee2e2;color:#991b1b}
.media{margin:8px 0 4px 12px}.ctype{background:none;color:var(--muted);padding:0}
.schema{font-size:14px}.props>li>.schema{display:inline}.props{list-style:none;margin:4px 0;padding-left:16px;border-left:2px solid var(--line)}.props li{margin:4px 0}
.prop{background:#eef2ff;color:#3730a3}.req{color:#dc2626;font-weight:700;margin:0 4px 0 2px}.opt{color:#8b95a8;font-size:12px;margin:0 6px}
.type{color:#0f766e;font-family:ui-monospace,monospace;font-size:13px}.format,.constraints{color:var(--muted);font-size:12px}
.lit{background:#fef3c7}.ref{color:var(--accent);font-family:ui-monospace,monospace;font-size:13px}.desc{color:var(--muted);font-size:13px}
.hidden{display:none}
@media (max-width:800px){body{display:block}nav{position:static;width:auto;height:auto}main{padding:20px}}
`;

export const DOCS_SCRIPT = `
document.getElementById('filter').addEventListener('input', function (event) {
  var words = event.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
  document.querySelectorAll('section.op[data-search]').forEach(function (section) {
    var text = section.getAttribute('data-search');
    var shown = words.every(function (word) { return text.indexOf(word) >= 0; });
    section.classList.toggle('hidden', !shown);
    var link = document.querySelector('[data-op="' + section.id + '"]');
    if (link) link.classList.toggle('hidden', !shown);
  });
});
`;
