/* session.js: added by the seal to every page of a sealed site. A "Log out" button, and a
 * banner when the service worker reports a file that failed its integrity check. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const me = document.currentScript;
  const root = new URL("../", me ? me.src : location.href).href;

  function ask(msg) {
    const worker = navigator.serviceWorker.controller;
    if (!worker) return Promise.resolve();
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      worker.postMessage(msg, [channel.port2]);
      setTimeout(resolve, 2000);
    });
  }

  function button() {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "pz-logout";
    b.textContent = "Log out";
    b.title = "Remove this catalog's keys from this browser";
    Object.assign(b.style, { font: "inherit", fontSize: ".7rem", color: "inherit",
      background: "transparent", border: "1px solid currentColor", borderRadius: ".2rem",
      padding: ".1rem .5rem", margin: "0 .4rem", cursor: "pointer", whiteSpace: "nowrap" });
    b.addEventListener("click", async () => {
      await ask({ type: "logout" });
      location.replace(root + "?why=logout");
    });
    const header = document.querySelector(".md-header__inner");
    if (header) {
      header.appendChild(b);
    } else {
      Object.assign(b.style, { position: "fixed", top: ".5rem", right: ".5rem", zIndex: 10 });
      document.body.appendChild(b);
    }
  }

  function banner(text) {
    const div = document.createElement("div");
    div.setAttribute("role", "alert");
    div.className = "pz-integrity";
    div.textContent = text;
    Object.assign(div.style, { position: "fixed", left: 0, right: 0, bottom: 0, zIndex: 100,
      padding: ".8rem 1rem", background: "#b3261e", color: "#fff", font: "600 .9rem sans-serif" });
    document.body.appendChild(div);
  }

  navigator.serviceWorker.addEventListener("message", (event) => {
    const data = event.data || {};
    if (data.type === "integrity") {
      banner(`This file failed its integrity check: ${data.path}. The copy on the server was ` +
        "altered or damaged; the download was stopped.");
    }
  });
  button();
})();
