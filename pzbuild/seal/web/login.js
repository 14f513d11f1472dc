/* login.js: the sealed site's login page.
 *
 * Reads the reader's private key (pasted or from a file), unwraps this build's keys from
 * keystore.json, checks that they open the manifests, keeps them in IndexedDB as
 * non-extractable CryptoKeys (and, with "remember", the private key too, so that the next
 * build opens without asking) and goes on to the page asked for. The PEM text itself is never
 * stored.
 */
(function () {
  "use strict";

  const SESSION_HOURS = 12;
  const root = new URL("./", location.href);
  const scope = root.href;
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const REASONS = {
    expired: "Your session ended. Give your key again.",
    rebuilt: "The catalog was rebuilt since you logged in. Give your key again.",
    removed: "Your key is no longer on the access list of this catalog.",
    logout: "You are logged out; the keys were removed from this browser.",
  };

  /** The page to go to after login: a path inside the site, never another origin. */
  function target() {
    const next = params.get("next") || "";
    if (/^[\\/]|^[a-z][a-z0-9+.-]*:|[\\]/i.test(next)) return root.href;
    try {
      const url = new URL(next, root);
      if (url.origin !== root.origin || !url.href.startsWith(root.href)) return root.href;
      // The fragment of the page asked for stays on the login page's URL (redirects keep it).
      if (!url.hash && location.hash) url.hash = location.hash;
      return url.href;
    } catch (e) {
      return root.href;
    }
  }

  function show(id, text) {
    const el = $(id);
    el.textContent = text || "";
    el.hidden = !text;
  }

  async function register() {
    if (!("serviceWorker" in navigator)) {
      throw new PZSeal.SealError("browser", "This browser cannot open sealed catalogs here: " +
        "service workers are off (a private window, or a browser setting).");
    }
    await navigator.serviceWorker.register("sw.js", { scope: "./", updateViaCache: "none" });
    return navigator.serviceWorker.ready;
  }

  async function fetchBlob(hex) {
    const resp = await fetch(`_pz/b/${hex}`);
    if (!resp.ok) throw new PZSeal.SealError("missing", `A part of the catalog is missing (HTTP ${resp.status}).`);
    return new Uint8Array(await resp.arrayBuffer());
  }

  function explain(e) {
    if (!e || !e.kind) return `The catalog cannot be opened: ${e && e.message ? e.message : e}`;
    if (e.kind === "not-listed") {
      return "This key is not on the access list of this catalog. If you were just added, " +
        "or your access expired, ask the maintainers: access changes take effect at the next " +
        `build. (Key fingerprint ${e.kid}.)`;
    }
    if (e.kind === "tampered") {
      return "The catalog's key list failed its integrity check: the copy on the server was " +
        "altered or damaged.";
    }
    return e.message;
  }

  async function login(text, remember) {
    const ready = register();
    const id = await PZSeal.importPrivateKey(text);
    const resp = await fetch("keystore.json", { cache: "no-cache" });
    if (!resp.ok) throw new PZSeal.SealError("missing", `keystore.json: HTTP ${resp.status}`);
    const ks = PZSeal.parseKeystore(await resp.json());
    const keys = await PZSeal.unwrapKeys(ks, id.privateKey, id.kid);
    await PZSeal.openManifests(ks, keys, fetchBlob);
    const record = { stamp: PZSeal.toHex(crypto.getRandomValues(new Uint8Array(16))),
      kid: id.kid, epoch: PZSeal.epochOf(ks), keys, remember,
      expires: remember ? null : Date.now() + SESSION_HOURS * 3600 * 1000 };
    if (remember) record.privateKey = id.privateKey;
    await PZSeal.session.put(scope, record);
    const registration = await ready;
    await tellWorker(registration.active, { type: "session-changed" });
  }

  function tellWorker(worker, msg) {
    if (!worker) return Promise.resolve();
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      worker.postMessage(msg, [channel.port2]);
      setTimeout(resolve, 2000);
    });
  }

  async function readKeyText() {
    const pasted = $("pz-key").value;
    if (pasted.trim()) return pasted;
    const file = $("pz-file").files[0];
    return file ? file.text() : "";
  }

  $("pz-login").addEventListener("submit", async (event) => {
    event.preventDefault();
    show("pz-error", "");
    $("pz-open").disabled = true;
    try {
      const text = await readKeyText();
      await login(text, $("pz-remember").checked);
      $("pz-key").value = "";
      $("pz-file").value = "";
      show("pz-status", "Opening the catalog\u2026");
      location.replace(target());
    } catch (e) {
      show("pz-error", explain(e));
      $("pz-open").disabled = false;
    }
  });

  $("pz-logout").addEventListener("click", async (event) => {
    event.preventDefault();
    await PZSeal.session.clear(scope);
    const registration = await navigator.serviceWorker.getRegistration("./");
    if (registration) await tellWorker(registration.active, { type: "logout" });
    $("pz-logout").hidden = true;
    show("pz-status", REASONS.logout);
  });

  const why = params.get("why");
  if (why === "removed") show("pz-error", REASONS.removed);
  else if (REASONS[why]) show("pz-status", REASONS[why]);
  PZSeal.session.get(scope).then((record) => { $("pz-logout").hidden = !record; }, () => {});
  register().catch((e) => show("pz-error", explain(e)));
})();
