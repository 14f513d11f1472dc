// Product pages: the citation's Copy button, the n(z) histogram's tooltip, the preview
// table (drawn from product.json), and the whole-product download.
//
// The zip is made in the browser from the product's own files, fetched through their usual
// URLs (in a sealed site the service worker decrypts them), so the site stores no second
// copy of the data and publishes nothing in clear. client-zip (vendor/client-zip.mjs, MIT)
// streams the archive without compressing; it is loaded on the first click only.
(function () {
  "use strict";
  var script = document.currentScript && document.currentScript.src;
  var ZIP_LIB = script ? new URL("vendor/client-zip.mjs", script).href : null;

  function initCopy(button) {
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.target);
      if (!source || !navigator.clipboard) return;
      navigator.clipboard.writeText(source.textContent || "").then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 1500);
      });
    });
  }

  function encodePath(path) {
    return path.split("/").map(encodeURIComponent).join("/");
  }

  // A file's body, checked against the size in the product record as it streams: a file
  // that changed since the build (or a cut-off response) fails the archive. The error is
  // kept in ``job``: the zip's own stream reports any failure as a bare "Failed to fetch".
  function checked(response, file, job) {
    var seen = 0;
    return response.body.pipeThrough(new TransformStream({
      transform: function (chunk, controller) {
        seen += chunk.byteLength;
        controller.enqueue(chunk);
      },
      flush: function () {
        if (seen !== file.size) {
          job.error = new Error(file.path + ": " + seen + " bytes, the record says " +
                                file.size);
          throw job.error;
        }
      },
    }));
  }

  async function fetchOk(url, what) {
    var response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) throw new Error(what + ": HTTP " + response.status);
    return response;
  }

  // Members: <name>/files/<path> for every file, <name>/SHA256SUMS (sha256sum -c, run in
  // <name>/, checks them) and <name>/product.json.
  async function* members(record, base, name, job) {
    var files = Array.isArray(record.files) ? record.files : [];
    var when = new Date(record.updated + "T00:00:00Z");
    if (isNaN(when.getTime())) when = new Date();
    try {
      for (var i = 0; i < files.length; i++) {
        var file = files[i];
        job.current = file.path;
        job.status("file " + (i + 1) + " of " + files.length);
        var url = new URL("files/" + encodePath(file.path), base);
        var response = await fetchOk(url, file.path);
        yield { name: name + "/files/" + file.path, lastModified: when,
                input: checked(response, file, job) };
      }
      for (var extra of ["SHA256SUMS", "product.json"]) {
        job.current = extra;
        yield { name: name + "/" + extra, lastModified: when,
                input: await fetchOk(new URL(extra, base), extra) };
      }
    } catch (e) {
      job.error = job.error || e;
      throw e;
    }
  }

  function save(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;  // a blob: URL, made here: the service worker is not involved
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  function initZip(button) {
    var label = button.textContent;
    var note = document.createElement("span");
    note.className = "pz-product__zip-status";
    note.setAttribute("role", "status");
    button.insertAdjacentElement("afterend", note);
    button.hidden = false;
    button.addEventListener("click", async function () {
      if (button.disabled) return;
      button.disabled = true;
      note.textContent = "";
      var job = { error: null, current: null, status: function (text) {
        button.textContent = "Preparing the zip: " + text;
      } };
      try {
        var recordUrl = new URL(button.dataset.record, location.href);
        var record = await (await fetchOk(recordUrl, "product.json")).json();
        var name = button.dataset.name || "product";
        var lib = await import(ZIP_LIB);
        var zip = lib.downloadZip(members(record, new URL("./", recordUrl), name, job));
        var blob = await zip.blob();
        save(blob, name + ".zip");
        note.textContent = "Saved " + name + ".zip";
      } catch (e) {
        var error = job.error || e;
        var text = error && error.message ? error.message : String(error);
        if (!job.error && job.current) text = job.current + ": " + text;
        note.textContent = "The zip could not be made: " + text;
      } finally {
        button.textContent = label;
        button.disabled = false;
      }
    });
  }

  // product.json with every number kept as the text the record writes (a string starting
  // with RAW): an id above 2^53 stays exact and a float shows as written ("-99.0", "1e-05").
  // Strings are matched whole first, so a digit inside one is never taken for a number.
  var RAW = "\u0000#";
  var TOKENS = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
  function parseRecord(text) {
    return JSON.parse(text.replace(TOKENS, function (t) {
      return t.charAt(0) === '"' ? t : '"\\u0000#' + t + '"';  // RAW, as a JSON escape
    }));
  }
  function isRaw(v) { return typeof v === "string" && v.lastIndexOf(RAW, 0) === 0; }
  function rawText(v) { return v.slice(RAW.length); }

  // A value as Python's json.dumps writes it (", " and ": "), numbers as in the record.
  function pyJson(v) {
    if (isRaw(v)) return rawText(v);
    if (Array.isArray(v)) return "[" + v.map(pyJson).join(", ") + "]";
    if (v && typeof v === "object") {
      return "{" + Object.keys(v).map(function (k) {
        return JSON.stringify(k) + ": " + pyJson(v[k]);
      }).join(", ") + "}";
    }
    return JSON.stringify(v);
  }

  // A preview cell: [text, kind], kind "num", "text" or "null" (pzbuild.site.product_parts
  // .cell does the same for Python).
  function cell(v) {
    if (v === null || v === undefined) return ["null", "null"];
    if (v === true || v === false) return [String(v), "text"];
    if (isRaw(v)) return [rawText(v), "num"];
    if (typeof v === "string") {
      return [v, v === "NaN" || v === "inf" || v === "-inf" ? "num" : "text"];
    }
    return [pyJson(v), "text"];
  }

  function td(tag, text, cls) {
    var el = document.createElement(tag);
    el.textContent = text;  // text only: values are data, never markup
    if (cls) el.className = cls;
    return el;
  }

  // The preview table of main.table: a header of column names (numbers align right) and
  // the first rows; cells with text get class pz-t, nulls pz-null.
  function previewTable(table) {
    var columns = Array.isArray(table.columns) ? table.columns : [];
    var rows = (Array.isArray(table.preview) ? table.preview : []).filter(Array.isArray);
    if (!columns.length || !rows.length) return null;
    var el = document.createElement("table");
    var head = el.createTHead().insertRow();
    columns.forEach(function (c) {
      c = c && typeof c === "object" ? c : {};
      var stats = c.stats && typeof c.stats === "object" ? c.stats : {};
      var shape = Array.isArray(c.shape) && c.shape.length;
      var numeric = stats.kind === "numeric" && !shape;
      head.appendChild(td("th", typeof c.name === "string" ? c.name : isRaw(c.name) ?
        rawText(c.name) : "", numeric ? "" : "pz-t"));
    });
    var body = el.createTBody();
    rows.forEach(function (row) {
      var tr = body.insertRow();
      for (var i = 0; i < columns.length; i++) {
        var c = i < row.length ? cell(row[i]) : ["", "null"];
        tr.appendChild(td("td", c[0], c[1] === "text" ? "pz-t" : c[1] === "null" ?
          "pz-null" : ""));
      }
    });
    return el;
  }

  async function initPreview(box) {
    try {
      var url = new URL(box.dataset.pzPreview, location.href);
      var record = parseRecord(await (await fetchOk(url, "product.json")).text());
      var table = previewTable((record.main && record.main.table) || {});
      if (!table) throw new Error("the record holds no preview");
      box.replaceChildren(table);
    } catch (e) {
      var note = box.querySelector("p");
      if (note) {
        note.appendChild(document.createTextNode(" (The table could not be shown: " +
          (e && e.message ? e.message : String(e)) + ".)"));
      }
    }
  }

  // The histogram is one path; its bins are in data attributes (pzbuild.site.plots): the bin
  // under the pointer is found from its x, shown in a tooltip and outlined.
  function initHistogram(svg) {
    var nums = function (text) { return (text || "").split(" ").map(Number); };
    var counts = nums(svg.dataset.counts), px = nums(svg.dataset.x), n = counts.length;
    var edges = nums(svg.dataset.edges);
    if (!svg.dataset.edges) {  // even bins: the first and last edge
      var range = nums(svg.dataset.range);
      edges = counts.map(function (_, i) { return range[0] + i * (range[1] - range[0]) / n; });
      edges.push(range[1]);
    }
    var lo = edges[0], hi = edges[n];
    if (n < 1 || edges.length !== n + 1 || px.length !== 2 || !(hi > lo) ||
        !svg.getScreenCTM || !window.DOMPoint) return;
    var figure = svg.parentNode;
    var tip = document.createElement("div");
    tip.className = "pz-plot__tip";
    tip.hidden = true;
    figure.appendChild(tip);
    var mark = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    mark.setAttribute("class", "pz-plot__hover");
    var bars = svg.querySelector(".pz-plot__bars");
    var box = bars && bars.getBBox ? bars.getBBox() : null;  // from the highest bin down
    if (!box) return;
    mark.setAttribute("y", box.y);
    mark.setAttribute("height", box.height);
    mark.style.display = "none";
    svg.appendChild(mark);
    var column = svg.dataset.column || "z";
    var edge = function (v) { return String(Number(v.toPrecision(4))); };
    var toX = function (v) { return px[0] + (v - lo) / (hi - lo) * (px[1] - px[0]); };
    var hide = function () { tip.hidden = true; mark.style.display = "none"; };
    svg.addEventListener("mousemove", function (event) {
      var ctm = svg.getScreenCTM();
      if (!ctm) return;
      var p = new DOMPoint(event.clientX, event.clientY).matrixTransform(ctm.inverse());
      var v = lo + (p.x - px[0]) / (px[1] - px[0]) * (hi - lo);
      if (!(v >= lo && v < hi)) { hide(); return; }
      var i = 0;
      while (i < n - 1 && edges[i + 1] <= v) i++;
      tip.textContent = edge(edges[i]) + " \u2264 " + column + " < " + edge(edges[i + 1]) +
        ": " + counts[i].toLocaleString("en-US");
      tip.hidden = false;
      var rect = figure.getBoundingClientRect();
      tip.style.left = (event.clientX - rect.left + 12) + "px";
      tip.style.top = (event.clientY - rect.top + 12) + "px";
      mark.setAttribute("x", toX(edges[i]));
      mark.setAttribute("width", Math.max(toX(edges[i + 1]) - toX(edges[i]), 0.5));
      mark.style.display = "";
    });
    svg.addEventListener("mouseleave", hide);
  }

  function init() {
    document.querySelectorAll("div[data-pz-preview]").forEach(function (box) {
      if (box.dataset.pzReady) return;
      box.dataset.pzReady = "1";
      initPreview(box);
    });
    document.querySelectorAll("svg.pz-plot--hist[data-counts]").forEach(function (svg) {
      if (svg.dataset.pzReady) return;
      svg.dataset.pzReady = "1";
      initHistogram(svg);
    });
    document.querySelectorAll("button.pz-copy[data-target]").forEach(function (button) {
      if (button.dataset.pzReady) return;
      button.dataset.pzReady = "1";
      initCopy(button);
    });
    document.querySelectorAll("button.pz-zip[data-record]").forEach(function (button) {
      if (button.dataset.pzReady || !ZIP_LIB || !window.TransformStream) return;
      button.dataset.pzReady = "1";
      initZip(button);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
})();
