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
<script>
  // Anything that stops the page from starting (a script that did not load, an error while starting) is shown here.
  window.addEventListener('error', (e) => {
    if (document.body.dataset.ready) return;
    const src = e.target && e.target.src;
    document.getElementById('status').textContent = src ? 'this page failed to start: could not load ' + src.split('/').pop() : 'this page failed to start: ' + e.message;
    document.body.dataset.ready = 'error';
  }, true);
</script>
<script src="tf.min.js"></script>
<script src="tf-backend-wasm.min.js"></script>
<script src="tf-backend-webgpu.min.js"></script>
<script type="module" src="${escapeHtml(options.bundle)}"></script>
<script nomodule>document.getElementById('status').textContent = 'this browser cannot run the model: it does not support JavaScript modules; use a current Chrome, Edge, Firefox or Safari'; document.body.setAttribute('data-ready', 'error');</script>
</body>
</html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
