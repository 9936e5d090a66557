/**
 * The static page of an exported student: a text box, the predicted label, probabilities and latency. Scripts are
 * local files of the folder (no CDN): stock `tf.min.js`, then tfdistill's bundled page script.
 */

/**
 * `index.html` for an exported student.
 *
 * @example
 * ```ts
 * await writeFile('web/index.html', pageHtml({ title: 'spam filter', labels: ['ham', 'spam'] }));
 * ```
 */
export function pageHtml(options: { title: string; labels: readonly string[]; bundle: string }): string {
  const title = escapeHtml(options.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  textarea { width: 100%; min-height: 6rem; font: inherit; }
  #output { white-space: pre; font: 15px ui-monospace, monospace; background: #f4f4f4; padding: .75rem; min-height: 4rem; }
  #status { color: #666; font-size: 13px; }
</style>
</head>
<body>
<h1>${title}</h1>
<p>Classes: ${options.labels.map(escapeHtml).join(', ')}. Everything runs in this page with TensorFlow.js; no text leaves the browser.</p>
<textarea id="text" placeholder="Type a text to classify"></textarea>
<p><button id="classify">Classify</button> <span id="status">loading model...</span></p>
<div id="output"></div>
<script src="tf.min.js"></script>
<script type="module" src="${escapeHtml(options.bundle)}"></script>
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
