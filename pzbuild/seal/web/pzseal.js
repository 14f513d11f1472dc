/* pzseal.js: the pzbuild sealed-site format in WebCrypto (docs/sealing.md).
 *
 * Shared by the login page, the service worker and the tests; the Python twin is
 * pzbuild/seal/format.py. All cryptography goes through crypto.subtle: ECDH P-256, HKDF-SHA256,
 * AES-KW and AES-256-GCM. Every key it makes is non-extractable.
 */
(function (root) {
  "use strict";

  const subtle = root.crypto.subtle;
  const utf8 = new TextEncoder();
  const LABEL = "pzbuild-sealed/1|";
  const FORMAT = "pzbuild-sealed";
  const VERSION = 2;          // of the keystore and the manifests
  const READABLE = [1, 2];    // 1: no key epoch, the build id is the salt
  const BLOB_VERSION = 1;     // of a blob's header
  const MAGIC = [0x50, 0x5a, 0x53, 0x45, 0x41, 0x4c]; // "PZSEAL"
  const HEADER = 20;
  const TAG = 16;
  const MAX_CHUNK = 1 << 24;
  const P256 = { name: "ECDH", namedCurve: "P-256" };

  /** kind: "format" | "key" | "not-listed" | "passphrase" | "tampered" | "missing" */
  class SealError extends Error {
    constructor(kind, message, extra) {
      super(message);
      this.name = "SealError";
      this.kind = kind;
      Object.assign(this, extra || {});
    }
  }

  function tampered(path, chunk, detail) {
    return new SealError("tampered",
      `${path}: chunk ${chunk} ${detail || "failed its integrity check"}; ` +
      "the file was altered or damaged", { path, chunk });
  }

  // -- encodings --------------------------------------------------------------------------
  function b64Decode(text) {
    const t = String(text).replace(/\s+/g, "").replace(/-/g, "+").replace(/_/g, "/")
      .replace(/=+$/, "");
    const bin = atob(t + "===".slice((t.length + 3) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function b64uEncode(bytes) {
    let bin = "";
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function toHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function fromHex(text) {
    if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new SealError("format", "not hexadecimal");
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  }

  // -- private keys -----------------------------------------------------------------------
  function derLength(n) {
    if (n < 0x80) return [n];
    const bytes = [];
    while (n > 0) { bytes.unshift(n & 0xff); n >>= 8; }
    return [0x80 | bytes.length, ...bytes];
  }

  function der(tag, body) {
    return concat(new Uint8Array([tag, ...derLength(body.length)]), body);
  }

  /** A SEC1 "EC PRIVATE KEY" inside a PKCS#8 PrivateKeyInfo, which WebCrypto imports. */
  function sec1ToPkcs8(sec1) {
    const algorithm = fromHex("301306072a8648ce3d020106082a8648ce3d030107");
    return der(0x30, concat(new Uint8Array([0x02, 0x01, 0x00]), algorithm, der(0x04, sec1)));
  }

  function pemBlock(text, label) {
    const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`)
      .exec(text);
    return m ? b64Decode(m[1]) : null;
  }

  /**
   * Import a reader's private key (PKCS#8 or SEC1 PEM, or a JWK with "d").
   * Returns {privateKey: non-extractable ECDH CryptoKey, publicRaw, kid}.
   */
  async function importPrivateKey(text) {
    text = String(text || "").trim();
    if (!text) throw new SealError("key", "Paste your private key or choose its file.");
    if (text.includes("ENCRYPTED PRIVATE KEY") || /Proc-Type:\s*4,ENCRYPTED/.test(text)) {
      throw new SealError("passphrase",
        "This key is protected by a passphrase, which the browser cannot open. Use the key " +
        "file made by `pzbuild access keygen`.");
    }
    let jwk;
    try {
      let temp;
      if (text.startsWith("{")) {
        const given = JSON.parse(text);
        temp = await subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: given.x,
          y: given.y, d: given.d, ext: true }, P256, true, ["deriveBits"]);
      } else {
        let der8 = pemBlock(text, "PRIVATE KEY");
        if (!der8) {
          const sec1 = pemBlock(text, "EC PRIVATE KEY");
          if (sec1) der8 = sec1ToPkcs8(sec1);
        }
        if (!der8) throw new Error("no PEM block");
        temp = await subtle.importKey("pkcs8", der8, P256, true, ["deriveBits"]);
      }
      jwk = await subtle.exportKey("jwk", temp);
    } catch (e) {
      if (text.includes("PUBLIC KEY") || text.startsWith("p256:")) {
        throw new SealError("key", "This is a public key. Give the private key file that " +
          "`pzbuild access keygen` wrote on your machine.");
      }
      throw new SealError("key", "This is not a P-256 private key in PEM form " +
        "(-----BEGIN PRIVATE KEY-----).");
    }
    const privateKey = await subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x,
      y: jwk.y, d: jwk.d }, P256, false, ["deriveBits"]);
    jwk.d = "";
    const publicRaw = concat(new Uint8Array([4]), b64Decode(jwk.x), b64Decode(jwk.y));
    return { privateKey, publicRaw, kid: await keyId(publicRaw) };
  }

  async function keyId(publicRaw) {
    const digest = new Uint8Array(await subtle.digest("SHA-256", publicRaw));
    return toHex(digest.subarray(0, 16));
  }

  // -- keystore and class keys ------------------------------------------------------------
  function parseKeystore(ks) {
    if (!ks || ks.format !== FORMAT) {
      throw new SealError("format", "keystore.json is not a pzbuild sealed keystore.");
    }
    if (!READABLE.includes(ks.version)) {
      throw new SealError("format", `This site uses seal format ${ks.version}; this page ` +
        `reads formats ${READABLE.join(", ")}.`);
    }
    if (!(ks.chunk_size > 0 && ks.chunk_size <= MAX_CHUNK) || !Array.isArray(ks.manifests) ||
        typeof ks.readers !== "object" || !/^[0-9a-f]{32}$/.test(ks.build) ||
        (ks.version >= 2 && !/^[0-9a-f]{32}$/.test(ks.epoch))) {
      throw new SealError("format", "keystore.json is malformed.");
    }
    return ks;
  }

  /** The key epoch of a parsed keystore: the salt of its keys (format 1: the build id). */
  function epochOf(ks) {
    return ks.version >= 2 ? ks.epoch : ks.build;
  }

  function hkdfParams(salt, info) {
    return { name: "HKDF", hash: "SHA-256", salt, info: utf8.encode(LABEL + info) };
  }

  /** The AES-GCM keys ({classIndex: CryptoKey}) that this reader's private key unwraps. */
  async function unwrapKeys(ks, privateKey, kid) {
    const entry = Object.prototype.hasOwnProperty.call(ks.readers, kid) ? ks.readers[kid] : null;
    if (!entry) {
      throw new SealError("not-listed", "This key is not on the access list of this " +
        "catalog.", { kid });
    }
    const salt = fromHex(epochOf(ks));
    const keys = {};
    try {
      const epk = await subtle.importKey("raw", b64Decode(entry.epk), P256, true, []);
      const shared = await subtle.deriveBits({ name: "ECDH", public: epk }, privateKey, 256);
      const hk = await subtle.importKey("raw", shared, "HKDF", false, ["deriveKey"]);
      for (const [index, wrapped] of Object.entries(entry.keys)) {
        const kek = await subtle.deriveKey(hkdfParams(salt, `wrap|${kid}|${index}`), hk,
          { name: "AES-KW", length: 256 }, false, ["unwrapKey"]);
        const secret = await subtle.unwrapKey("raw", b64Decode(wrapped), kek, "AES-KW",
          "HKDF", false, ["deriveKey"]);
        keys[index] = await subtle.deriveKey(hkdfParams(salt, "enc"), secret,
          { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
      }
    } catch (e) {
      throw new SealError("key", "This key is on the access list but its entry cannot be " +
        "opened: the key list may be damaged.", { kid });
    }
    return keys;
  }

  // -- blobs ------------------------------------------------------------------------------
  function chunkCount(size, cs) {
    return Math.max(1, Math.ceil(size / cs));
  }

  function checkHeader(header, cs, path) {
    if (header.length < HEADER) throw tampered(path, 0, "is missing (no header)");
    for (let i = 0; i < MAGIC.length; i++) {
      if (header[i] !== MAGIC[i]) throw tampered(path, 0, "has no PZSEAL header");
    }
    if (header[6] !== BLOB_VERSION) {
      throw new SealError("format", `${path}: blob format ${header[6]} is not ${BLOB_VERSION}.`);
    }
    const given = new DataView(header.buffer, header.byteOffset).getUint32(8);
    if (given !== cs) throw tampered(path, 0, `has chunk size ${given}, not ${cs}`);
  }

  async function decryptChunk(key, header, blobId, index, last, ct, path) {
    const tail = new Uint8Array(5);
    new DataView(tail.buffer).setUint32(0, index);
    tail[4] = last ? 1 : 0;
    const iv = new Uint8Array(12);
    iv.set(header.subarray(12, 20));
    new DataView(iv.buffer).setUint32(8, index);
    try {
      return new Uint8Array(await subtle.decrypt(
        { name: "AES-GCM", iv, additionalData: concat(header, blobId, tail), tagLength: 128 },
        key, ct));
    } catch (e) {
      throw tampered(path, index);
    }
  }

  /** Decrypt a whole blob held in memory; every chunk is checked. */
  async function decryptBlob(blob, key, blobHex, size, cs, path) {
    blob = blob instanceof Uint8Array ? blob : new Uint8Array(blob);
    const header = blob.subarray(0, HEADER);
    checkHeader(header, cs, path);
    const blobId = fromHex(blobHex);
    const n = chunkCount(size, cs);
    const out = new Uint8Array(size);
    let at = HEADER;
    for (let i = 0; i < n; i++) {
      const want = (i === n - 1 ? size - i * cs : cs) + TAG;
      if (blob.length < at + want) throw tampered(path, i, "is cut short");
      out.set(await decryptChunk(key, header, blobId, i, i === n - 1,
        blob.subarray(at, at + want), path), i * cs);
      at += want;
    }
    if (blob.length !== at) throw tampered(path, n, "follows the last chunk: extra data");
    return out;
  }

  /**
   * A ReadableStream of the plaintext of a blob body; a failing chunk errors the stream.
   * opts (for a byte range): first, the index of the body's first chunk, with header, the
   * blob's header, when the body starts there; skip, plaintext bytes to drop at the start;
   * length, plaintext bytes to give at most.
   */
  function decryptStream(body, key, blobHex, size, cs, path, opts) {
    const o = opts || {};
    const reader = body.getReader();
    const blobId = fromHex(blobHex);
    const n = chunkCount(size, cs);
    let pending = [];
    let pendingLength = 0;
    let ended = false;
    let header = o.header || null;
    let index = o.first || 0;
    let skip = o.skip || 0;
    let left = o.length === undefined ? Infinity : o.length;
    if (header) checkHeader(header, cs, path);

    async function take(length) {
      while (pendingLength < length && !ended) {
        const r = await reader.read();
        if (r.done) { ended = true; break; }
        pending.push(r.value);
        pendingLength += r.value.length;
      }
      const m = Math.min(length, pendingLength);
      if (pending.length && pending[0].length === m) {
        pendingLength -= m;
        return pending.shift();
      }
      const out = new Uint8Array(m);
      let at = 0;
      while (at < m) {
        const p = pending[0];
        const k = Math.min(p.length, m - at);
        out.set(p.subarray(0, k), at);
        at += k;
        if (k === p.length) pending.shift(); else pending[0] = p.subarray(k);
      }
      pendingLength -= m;
      return out;
    }

    return new ReadableStream({
      async pull(controller) {
        try {
          if (!header) {
            header = await take(HEADER);
            checkHeader(header, cs, path);
          }
          const last = index === n - 1;
          const want = (last ? size - index * cs : cs) + TAG;
          const ct = await take(want);
          if (ct.length < want) throw tampered(path, index, "is cut short");
          let plain = await decryptChunk(key, header, blobId, index, last, ct, path);
          index += 1;
          if (last && (await take(1)).length) {
            throw tampered(path, n, "follows the last chunk: extra data");
          }
          if (skip) {
            const k = Math.min(skip, plain.length);
            plain = plain.subarray(k);
            skip -= k;
          }
          if (plain.length > left) plain = plain.subarray(0, left);
          left -= plain.length;
          if (plain.length) controller.enqueue(plain);
          if (last || left <= 0) {
            if (!last) reader.cancel().catch(() => {});
            controller.close();
          }
        } catch (e) {
          pending = [];
          reader.cancel().catch(() => {});
          controller.error(e);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
  }

  // -- manifests --------------------------------------------------------------------------
  /**
   * Decrypt the manifests this reader's keys open. fetchBlob(hex) -> Promise<Uint8Array>.
   * Returns {build, chunkSize, files: Map(path -> entry), merge: Map(path -> [part]),
   * public: Set, notFound}.
   */
  async function openManifests(ks, keys, fetchBlob) {
    const site = { build: ks.build, chunkSize: ks.chunk_size, files: new Map(),
      merge: new Map(), public: new Set(), notFound: null };
    for (const m of ks.manifests) {
      const key = keys[String(m.key)];
      if (!key) continue;
      const plain = await decryptBlob(await fetchBlob(m.blob), key, m.blob, m.size,
        ks.chunk_size, "(manifest)");
      const doc = JSON.parse(new TextDecoder().decode(plain));
      if (doc.format !== FORMAT || !READABLE.includes(doc.version) || doc.build !== ks.build) {
        throw tampered("(manifest)", 0, "belongs to another build");
      }
      for (const [path, e] of Object.entries(doc.files)) {
        site.files.set(path, { path, blob: e.blob, size: e.size, type: e.type,
          download: !!e.download, key: String(m.key) });
      }
      for (const [path, part] of Object.entries(doc.merge || {})) {
        if (!site.merge.has(path)) site.merge.set(path, []);
        site.merge.get(path).push(part);
      }
      for (const p of doc.public || []) site.public.add(p);
      if (doc.not_found) site.notFound = doc.not_found;
    }
    return site;
  }

  /** Put entries held back from a shared JSON file back at their positions. */
  function mergeJson(text, parts) {
    const doc = JSON.parse(text);
    const arrays = new Map();
    for (const part of parts) {
      for (const [name, items] of Object.entries(part)) {
        if (!arrays.has(name)) arrays.set(name, []);
        arrays.get(name).push(...items);
      }
    }
    for (const [name, items] of arrays) {
      if (!Array.isArray(doc[name])) doc[name] = [];
      items.sort((a, b) => a[0] - b[0]);
      for (const [pos, item] of items) doc[name].splice(Math.min(pos, doc[name].length), 0, item);
    }
    return JSON.stringify(doc);
  }

  // -- the session store (IndexedDB, shared by the login page and the service worker) -----
  function openDb(scope) {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("pzseal:" + scope, 1);
      req.onupgradeneeded = () => req.result.createObjectStore("session");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  async function dbDo(scope, mode, action) {
    const db = await openDb(scope);
    try {
      return await new Promise((resolve, reject) => {
        const tx = db.transaction("session", mode);
        const req = action(tx.objectStore("session"));
        tx.oncomplete = () => resolve(req.result);
        tx.onerror = () => reject(tx.error);
        tx.onabort = () => reject(tx.error);
      });
    } finally {
      db.close();
    }
  }

  const session = {
    get: (scope) => dbDo(scope, "readonly", (s) => s.get("session")),
    put: (scope, record) => dbDo(scope, "readwrite", (s) => s.put(record, "session")),
    clear: (scope) => dbDo(scope, "readwrite", (s) => s.delete("session")),
  };

  root.PZSeal = {
    SealError, FORMAT, VERSION, HEADER, TAG,
    b64Decode, b64uEncode, toHex, fromHex,
    importPrivateKey, keyId, parseKeystore, epochOf, unwrapKeys,
    chunkCount, decryptBlob, decryptStream, openManifests, mergeJson, session,
  };
})(self);
