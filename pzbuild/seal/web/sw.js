/* sw.js: the service worker of a sealed pzbuild site (docs/sealing.md).
 *
 * Every same-origin request under the site is mapped to its blob through the decrypted
 * manifests, fetched, decrypted chunk by chunk and answered as the plain site would answer it.
 * Without a session, navigations go to the login page (keeping the deep link) and nothing is
 * decrypted. The keys live in IndexedDB as non-extractable CryptoKeys, put there by login.js.
 */
"use strict";

importScripts("_pz/pzseal.js");

const SCOPE = self.registration.scope;
const SCOPE_PATH = new URL(SCOPE).pathname;
const PASS = new Set(["sw.js", "keystore.json", "robots.txt", ".nojekyll"]);
// The pages of the catalog run in the origin that holds the keys: no script, style or
// connection from elsewhere (mkdocs-material's own inline scripts stay allowed).
const PAGE_CSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; " +
  "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
  "connect-src 'self'; worker-src 'self' blob:; frame-src 'self'; object-src 'none'; " +
  "base-uri 'self'; form-action 'self'; frame-ancestors 'self'";
const ACTIVE = /^(text\/html|application\/xhtml|image\/svg|application\/xml|text\/xml|text\/javascript|application\/javascript)/;

let state = null;       // {stamp, build, keys, files, merge, public, notFound}
let loading = null;
let keystore = null;    // the parsed keystore.json

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (msg) => event.ports[0] && event.ports[0].postMessage(msg);
  if (data.type === "logout") {
    state = null;
    event.waitUntil(PZSeal.session.clear(SCOPE).then(() => reply({ ok: true }),
      (e) => reply({ ok: false, error: String(e) })));
  } else if (data.type === "session-changed") {
    state = null;
    keystore = null;
    reply({ ok: true });
  }
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET" && req.method !== "HEAD") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE_PATH)) return;
  let rel;
  try {
    rel = decodeURIComponent(url.pathname.slice(SCOPE_PATH.length));
  } catch (e) {
    rel = "\u0000";  // not a path of the site
  }
  if (PASS.has(rel) || rel.startsWith("_pz/")) return;
  event.respondWith(handle(req, rel, url));
});

async function handle(req, rel, url) {
  const navigate = req.mode === "navigate";
  let st;
  try {
    st = await currentState(navigate);
  } catch (e) {
    return failure(e, rel, navigate);
  }
  if (!st.site) {
    if (!navigate || rel === "" || rel === "index.html") return fetch(req);
    const next = rel + url.search;
    const why = st.why ? `&why=${st.why}` : "";
    return Response.redirect(`${SCOPE}?next=${encodeURIComponent(next)}${why}`, 302);
  }
  const path = rel === "" || rel.endsWith("/") ? rel + "index.html" : rel;
  const entry = st.files.get(path);
  if (!entry) {
    if (st.public.has(path)) return fetch(req);
    if (st.files.has(path + "/index.html")) {
      return Response.redirect(SCOPE + encodePath(rel) + "/" + url.search, 301);
    }
    return notFound(st, req, navigate);
  }
  try {
    const range = req.method === "GET" && !st.merge.has(entry.path)
      ? parseRange(req.headers.get("Range"), entry.size) : null;
    if (range === "unsatisfiable") {
      return new Response(null, { status: 416, headers: {
        "Content-Range": `bytes */${entry.size}`, "X-Content-Type-Options": "nosniff" } });
    }
    if (range) return await serveRange(st, entry, range);
    return await serve(st, entry, req.method === "HEAD", 200);
  } catch (e) {
    return failure(e, path, navigate);
  }
}

/** One byte range of a Range header ({start, end}, inclusive), "unsatisfiable", or null: no
 * header, or a form answered with the whole file (several ranges), as HTTP allows. */
function parseRange(value, size) {
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value || "");
  if (!m || (m[1] === "" && m[2] === "")) return null;
  let start;
  let end;
  if (m[1] === "") {  // the last N bytes
    const k = Number(m[2]);
    if (k === 0 || size === 0) return "unsatisfiable";
    start = Math.max(0, size - k);
    end = size - 1;
  } else {
    start = Number(m[1]);
    if (start >= size) return "unsatisfiable";
    end = m[2] === "" ? size - 1 : Number(m[2]);
    if (end < start) return null;
    end = Math.min(end, size - 1);
  }
  return { start, end };
}

/** The first n bytes of a response's body (the whole of a 206, the start of a 200). */
async function firstBytes(resp, n) {
  const reader = resp.body.getReader();
  const out = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = await reader.read();
    if (r.done) break;
    const k = Math.min(n - got, r.value.length);
    out.set(r.value.subarray(0, k), got);
    got += k;
  }
  reader.cancel().catch(() => {});
  return out.subarray(0, got);
}

/** A byte range of a file: only the blob's header and the chunks that hold the range are
 * fetched (where the host serves ranges) and verified, each before its bytes are given. */
async function serveRange(st, entry, range) {
  const key = st.keys[entry.key];
  const cs = st.chunkSize;
  const first = Math.floor(range.start / cs);
  const lastChunk = Math.floor(range.end / cs);
  const at = (i) => PZSeal.HEADER + i * (cs + PZSeal.TAG);
  const end = lastChunk === PZSeal.chunkCount(entry.size, cs) - 1
    ? at(lastChunk) + (entry.size - lastChunk * cs) + PZSeal.TAG : at(lastChunk + 1);
  const url = `${SCOPE}_pz/b/${entry.blob}`;
  const [head, body] = await Promise.all([
    fetch(url, { headers: { Range: `bytes=0-${PZSeal.HEADER - 1}` } }),
    fetch(url, { headers: { Range: `bytes=${at(first)}-${end - 1}` } }),
  ]);
  if (!head.ok || !body.ok || !body.body) {
    throw new PZSeal.SealError("missing", `${entry.path}: its blob is missing (HTTP ${body.status})`);
  }
  const length = range.end - range.start + 1;
  let opts;
  const given = /^bytes (\d+)-/.exec(body.headers.get("Content-Range") || "");
  if (body.status === 206 && given && Number(given[1]) === at(first)) {
    opts = { first, header: await firstBytes(head, PZSeal.HEADER), length,
      skip: range.start - first * cs };
  } else {  // the host (or the browser's cache) sent the whole blob: read it from its start
    if (head.body) head.body.cancel().catch(() => {});
    if (body.status !== 200) {
      throw new PZSeal.SealError("missing", `${entry.path}: the host answered another range`);
    }
    opts = { skip: range.start, length };
  }
  const stream = await checkedStream(PZSeal.decryptStream(body.body, key, entry.blob,
    entry.size, cs, entry.path, opts), entry.path);
  const headers = headersFor(entry, length);
  headers.set("Content-Range", `bytes ${range.start}-${range.end}/${entry.size}`);
  return new Response(stream, { status: 206, headers });
}

function encodePath(rel) {
  return rel.split("/").map(encodeURIComponent).join("/");
}

/** The session for this request: {site: ...} when logged in, else {why}. */
async function currentState(revalidate) {
  const record = await PZSeal.session.get(SCOPE);
  if (!record) { state = null; return { why: "" }; }
  if (record.expires && record.expires < Date.now()) {
    state = null;
    await PZSeal.session.clear(SCOPE);
    return { why: "expired" };
  }
  const ks = await getKeystore(revalidate);
  if (state && state.stamp === record.stamp && state.build === ks.build) return state;
  if (!loading) {
    loading = buildState(record, ks).finally(() => { loading = null; });
  }
  return loading;
}

async function getKeystore(revalidate) {
  if (keystore && !revalidate) return keystore;
  try {
    const resp = await fetch(SCOPE + "keystore.json", { cache: "no-cache" });
    if (!resp.ok) throw new PZSeal.SealError("missing", `keystore.json: HTTP ${resp.status}`);
    keystore = PZSeal.parseKeystore(await resp.json());
  } catch (e) {
    if (!keystore) throw e;  // offline: keep the last one
  }
  return keystore;
}

async function buildState(record, ks) {
  let keys = sameKeys(record, ks) ? record.keys : null;
  if (!keys && record.privateKey) {
    try {
      keys = await PZSeal.unwrapKeys(ks, record.privateKey, record.kid);
    } catch (e) {
      await PZSeal.session.clear(SCOPE);
      state = null;
      return { why: e.kind === "not-listed" ? "removed" : "rebuilt" };
    }
    record.keys = keys;
    record.epoch = PZSeal.epochOf(ks);
    await PZSeal.session.put(SCOPE, record);
  }
  if (!keys) {
    state = null;
    return { why: "rebuilt" };
  }
  const site = await PZSeal.openManifests(ks, keys, fetchBlob);
  state = { site: true, stamp: record.stamp, build: ks.build, keys, ...site };
  return state;
}

/** Whether the keys of a session still open this build: a build keeps the keys of the last
 * one (its epoch) while no reader lost access; the reader's classes must be the same too
 * (a group joined since the login is opened by unwrapping again). */
function sameKeys(record, ks) {
  if (!record.keys || record.epoch !== PZSeal.epochOf(ks)) return false;
  const entry = Object.prototype.hasOwnProperty.call(ks.readers, record.kid)
    ? ks.readers[record.kid] : null;
  if (!entry) return false;
  const held = Object.keys(record.keys).sort().join(",");
  return held === Object.keys(entry.keys).sort().join(",");
}

async function fetchBlob(hex) {
  const resp = await fetch(`${SCOPE}_pz/b/${hex}`);
  if (!resp.ok) throw new PZSeal.SealError("missing", `blob ${hex}: HTTP ${resp.status}`);
  return new Uint8Array(await resp.arrayBuffer());
}

function headersFor(entry, length) {
  const h = new Headers({ "Content-Type": entry.type, "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store" });
  if (length !== null) h.set("Content-Length", String(length));
  h.set("Accept-Ranges", "bytes");
  if (entry.type.startsWith("text/html")) h.set("Content-Security-Policy", PAGE_CSP);
  if (entry.download) {
    // A submitted file never runs in the catalog's origin, which holds the keys.
    h.set("Content-Security-Policy", "sandbox");
    if (ACTIVE.test(entry.type)) h.set("Content-Type", "application/octet-stream");
    // Links carry no `download` attribute: Chromium sends such requests past the service
    // worker, straight to the host, which has no such path. The header saves the file instead.
    const name = entry.path.split("/").pop();
    h.set("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
  }
  return h;
}

async function serve(st, entry, head, status, anywhere) {
  const key = st.keys[entry.key];
  const cs = st.chunkSize;
  const parts = st.merge.get(entry.path);
  if (head) return new Response(null, { status, headers: headersFor(entry, parts ? null : entry.size) });
  const resp = await fetch(`${SCOPE}_pz/b/${entry.blob}`);
  if (!resp.ok || !resp.body) {
    throw new PZSeal.SealError("missing", `${entry.path}: its blob is missing (HTTP ${resp.status})`);
  }
  if (parts || entry.size <= cs) {
    // One chunk (pages, JSON): checked whole before a byte is shown.
    let plain = await PZSeal.decryptBlob(await resp.arrayBuffer(), key, entry.blob, entry.size,
      cs, entry.path);
    if (parts) plain = new TextEncoder().encode(PZSeal.mergeJson(new TextDecoder().decode(plain), parts));
    if (anywhere) plain = withRoot(plain);
    return new Response(plain, { status, headers: headersFor(entry, plain.length) });
  }
  // Many chunks: the first is checked before answering, the rest stream; a later failure
  // errors the stream, so the reader gets a failed download, never altered bytes.
  const body = await checkedStream(PZSeal.decryptStream(resp.body, key, entry.blob, entry.size,
    cs, entry.path), entry.path);
  return new Response(body, { status, headers: headersFor(entry, entry.size) });
}

/** The decrypted stream, its first part verified before it is answered with (a failure
 * then is an error page); a later failure errors the stream and tells the pages. */
async function checkedStream(decrypted, path) {
  const source = decrypted.getReader();
  const first = await source.read();
  return new ReadableStream({
    start(controller) {
      if (first.value) controller.enqueue(first.value);
      if (first.done) controller.close();
    },
    async pull(controller) {
      try {
        const r = await source.read();
        if (r.done) controller.close(); else controller.enqueue(r.value);
      } catch (e) {
        tell({ type: "integrity", path, message: String(e.message || e) });
        controller.error(e);
      }
    },
    cancel(reason) { return source.cancel(reason); },
  });
}

/** The 404 page, served at any depth and from any path: the build wrote the site's root
 * path in its links as a mark (ROOT_MARK of pzbuild/seal/build.py), the scope's path here. */
const ROOT_MARK = "/_pz_site_root_/";

function withRoot(plain) {
  const html = new TextDecoder().decode(plain);
  const root = SCOPE_PATH.endsWith("/") ? SCOPE_PATH : SCOPE_PATH + "/";
  return new TextEncoder().encode(html.split(ROOT_MARK).join(root)
    .split(ROOT_MARK.slice(0, -1) + '"').join(root.slice(0, -1) + '"'));
}

async function notFound(st, req, navigate) {
  const page = st.notFound && st.files.get(st.notFound);
  if (page && navigate) {
    try { return await serve(st, page, req.method === "HEAD", 404, true); } catch (e) { /* below */ }
  }
  return message(404, "Not found", "There is no such page or file in this catalog.", navigate);
}

function failure(e, path, navigate) {
  const kind = e && e.kind;
  if (kind === "tampered") {
    tell({ type: "integrity", path, message: e.message });
    return message(502, "Integrity check failed",
      `This file failed its integrity check: ${path}. The copy on the server was altered or ` +
      "damaged, so none of it is shown. Reload later, or tell the catalog's maintainers.",
      navigate);
  }
  const text = kind === "missing" ? `Part of the catalog is missing on the server: ${e.message}`
    : `The catalog cannot be opened: ${e && e.message ? e.message : e}`;
  return message(502, "Cannot open the catalog", text, navigate);
}

function message(status, title, text, html) {
  if (!html) {
    return new Response(text + "\n", { status, headers: {
      "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" } });
  }
  const esc = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><link rel="stylesheet" href="${SCOPE}_pz/login.css"></head>
<body><main class="pz-card"><h1>${esc(title)}</h1><p class="pz-error" role="alert">${esc(text)}</p>
<p><a href="${SCOPE}">Catalog home</a></p></main></body></html>`;
  return new Response(body, { status, headers: {
    "Content-Type": "text/html; charset=utf-8", "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'" } });
}

async function tell(msg) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(msg);
}
