// Product pages: the citation's Copy button, the parts drawn from product.json (the columns
// and preview tables, the n(z) histogram with a tooltip per bin, the sky density and the
// provenance graph), and the whole-product download.
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

  // ---- Parts of the page drawn from product.json --------------------------------------
  // The page would otherwise carry the record's values twice. Every value is set with
  // textContent or setAttribute on attributes that cannot run anything; the only links made
  // point at products/<id>/ for ids of the product id form.

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ID_FORM = /^(?:official|user\/[A-Za-z0-9][A-Za-z0-9._-]{0,63})\/[a-z0-9][a-z0-9-]{0,63}$/;
  var records = {};

  function loadRecord(href) {
    var url = new URL(href, location.href).href;
    if (!records[url]) {
      records[url] = fetchOk(url, "product.json").then(function (r) { return r.text(); })
        .then(parseRecord);
    }
    return records[url];
  }

  function obj(v) { return v && typeof v === "object" && !Array.isArray(v) ? v : {}; }
  function list(v) { return Array.isArray(v) ? v : []; }
  function isInt(v) { return isRaw(v) && /^-?\d+$/.test(rawText(v)); }
  // A finite number from a record value, else null.
  function num(v) {
    var x = isRaw(v) ? Number(rawText(v)) : NaN;
    return isFinite(x) ? x : null;
  }
  // A non-empty text (numbers as written), else null (product_parts.text).
  function txt(v) {
    if (typeof v === "string" && !isRaw(v)) return v.trim() ? v : null;
    return isRaw(v) ? rawText(v) : null;
  }

  // Numbers as pzbuild.site.numbers writes them ---------------------------------------
  function group(digits) {
    var sign = digits.charAt(0) === "-" ? "-" : "";
    return sign + digits.slice(sign.length).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  function roundEven(x) {  // Python's round(): halves to the even neighbour
    var r = Math.round(x);
    return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
  }
  function bigText(x) { return BigInt(x).toString(); }
  // Python's format(x, ".{sig}g")
  function pyG(x, sig) {
    if (x === 0) return "0";
    if (!isFinite(x)) return isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    var parts = x.toExponential(sig - 1).split("e"), exp = Number(parts[1]);
    var strip = function (s) { return s.indexOf(".") < 0 ? s : s.replace(/\.?0+$/, ""); };
    if (exp < -4 || exp >= sig) {
      var e = String(Math.abs(exp));
      return strip(parts[0]) + "e" + (exp < 0 ? "-" : "+") + (e.length < 2 ? "0" + e : e);
    }
    return strip(x.toFixed(Math.max(sig - 1 - exp, 0)));
  }
  function fmtFloat(x, sig) {
    if (isNaN(x)) return "NaN";
    if (!isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return "0";
    if (Math.abs(x) < 1e9 && (Number.isInteger(x) || Math.abs(x) >= Math.pow(10, sig))) {
      return group(bigText(roundEven(x)));
    }
    var t = pyG(x, sig), i = t.indexOf("e");
    return i < 0 ? t : t.slice(0, i) + "e" + Number(t.slice(i + 1));
  }
  function fmtNumber(v, sig) {
    sig = sig || 5;
    if (v === true || v === false) return String(v);
    if (isInt(v)) return group(rawText(v));
    if (isRaw(v)) return fmtFloat(Number(rawText(v)), sig);
    if (v === "NaN" || v === "inf" || v === "-inf") return v;
    return typeof v === "number" ? fmtFloat(v, sig) : "";
  }
  function fmtInt(v) {
    if (isInt(v)) return group(rawText(v));
    if (!isRaw(v)) return typeof v === "number" ? fmtInt(RAW + String(v)) : "";
    var x = Number(rawText(v));
    if (!isFinite(x)) return fmtFloat(x, 5);
    return Number.isInteger(x) ? group(bigText(x)) : fmtFloat(x, 5);
  }
  function fmtCompact(x) {
    var a = Math.abs(x), units = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < units.length; i++) {
      if (a >= Math.max(units[i][0], 1e4)) return pyG(x / units[i][0], 3) + units[i][1];
    }
    return Number.isInteger(x) ? group(bigText(x)) : pyG(x, 3);
  }
  function niceTicks(lo, hi, target) {
    if (!(isFinite(lo) && isFinite(hi))) return [[], 1];
    if (hi < lo) { var t = lo; lo = hi; hi = t; }
    if (hi === lo) return [[lo], 1];
    var exp = Math.floor(Math.log10((hi - lo) / Math.max(target, 1))), best = null;
    for (var e = exp - 1; e <= exp + 1; e++) {
      [1, 2, 5].forEach(function (m) {
        var step = m * Math.pow(10, e);
        var first = Math.ceil(lo / step - 1e-9), last = Math.floor(hi / step + 1e-9);
        var key = [Math.abs(last - first + 1 - target), -step, first, last];
        if (!best || key[0] < best[0] || (key[0] === best[0] && key[1] < best[1])) best = key;
      });
    }
    var out = [];
    for (var k = best[2]; k <= best[3]; k++) out.push(k * -best[1]);
    return [out, -best[1]];
  }
  function tickLabel(v, step) {
    if (step <= 0 || !isFinite(step)) return fmtFloat(v, 5);
    if (Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-4 && v !== 0) || step < 1e-6) {
      return fmtFloat(v, 3);
    }
    var d = 0;
    while (d < 8 && Math.abs(step * Math.pow(10, d) - Math.round(step * Math.pow(10, d))) >
           1e-6) d++;
    var t = v.toFixed(d);
    return Number(t) === 0 ? t.replace(/^-/, "") : t;
  }

  // The columns table (pzbuild.site.product_parts wrote it before) -------------------------
  var TOP_SHOWN = 3;
  function pyStr(v) {
    if (v === null || v === undefined) return "None";
    if (v === true || v === false) return v ? "True" : "False";
    return isRaw(v) ? rawText(v) : typeof v === "string" ? v : pyJson(v);
  }
  function columnSummary(st) {
    if (st.kind === "text") {
      var parts = [];
      if (isInt(st.distinct)) {
        parts.push((st.distinct_capped ? "more than " : "") + fmtInt(st.distinct) + " distinct");
      }
      var top = list(st.top).filter(function (t) { return Array.isArray(t) && t.length === 2; });
      if (top.length) {
        parts.push("top: " + top.slice(0, TOP_SHOWN).map(function (t) {
          return pyStr(t[0]) + " (" + fmtInt(t[1]) + ")";
        }).join(", ") + (top.length > TOP_SHOWN ? ", \u2026" : ""));
      }
      return parts.join("; ");
    }
    if (st.kind === "bool" && isInt(st.true_count)) return fmtInt(st.true_count) + " true";
    return "";
  }
  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text) e.textContent = text;
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k]) e.setAttribute(k, attrs[k]); });
    return e;
  }
  function columnsTable(record, vocab) {
    var table = obj(obj(record.main).table), roleOf = {};
    Object.keys(obj(record.columns)).forEach(function (r) {
      if (typeof record.columns[r] === "string") roleOf[record.columns[r]] = r;
    });
    var rows = list(table.columns).map(obj).filter(function (c) { return txt(c.name); });
    if (!rows.length) return null;
    var out = document.createElement("table");
    var head = out.createTHead().insertRow();
    ["Column", "Role", "Type", "Unit", "Count", "Missing", "Min", "Max", "Mean", "Std",
     "Median", "Values"].forEach(function (h) { head.appendChild(el("th", h)); });
    var body = out.createTBody();
    rows.forEach(function (c) {
      var name = txt(c.name), st = obj(c.stats), q = obj(st.quantiles);
      var role = txt(c.role) || (Object.prototype.hasOwnProperty.call(roleOf, name) ?
                                 roleOf[name] : null);
      var v = role && Array.isArray(vocab[role]) ? vocab[role] : [];
      var shape = list(c.shape).filter(isInt).map(rawText);
      var n = num(st.count), m = num(st.missing), missingTitle = "", medianTitle = "";
      if (n && m) missingTitle = pyG(100 * m / n, 3) + " % of the rows";
      var sampled = fmtInt(st.sample_size);
      if (st.quantiles_exact !== true && sampled) {
        medianTitle = "from a uniform sample of " + sampled + " values";
      }
      var tr = body.insertRow(), cell;
      cell = tr.appendChild(el("td"));
      cell.appendChild(el("code", name));
      if (txt(c.description)) {
        cell.appendChild(el("br"));
        cell.appendChild(el("small", txt(c.description)));
      }
      cell = tr.appendChild(el("td"));
      if (role) {
        cell.appendChild(el("span", role, { class: "pz-product__role", title: txt(v[1]) }));
        if (txt(v[0])) {
          cell.appendChild(el("br"));
          cell.appendChild(el("code", txt(v[0]), { class: "pz-product__ucd",
                                                    title: "IVOA UCD" }));
        }
      }
      tr.appendChild(el("td")).appendChild(el("code", (txt(c.dtype) || "") +
        (shape.length ? "[" + shape.join("\u00d7") + "]" : "")));
      tr.appendChild(el("td", txt(c.unit) || ""));
      tr.appendChild(el("td", fmtInt(st.count)));
      tr.appendChild(el("td", fmtInt(st.missing), { title: missingTitle }));
      [st.min, st.max, st.mean].forEach(function (x) { tr.appendChild(el("td", fmtNumber(x))); });
      tr.appendChild(el("td", fmtNumber(st.std, 4)));
      tr.appendChild(el("td", fmtNumber(q.p50), { title: medianTitle }));
      var summary = columnSummary(st), note = txt(st.note);
      cell = tr.appendChild(el("td", summary));
      if (note) {
        if (summary) cell.appendChild(el("br"));
        cell.appendChild(el("small", note));
      }
    });
    return out;
  }

  // Plots (pzbuild.site.plots wrote them before) ----------------------------------------
  var SEQUENTIAL = ["#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d",
                    "#a0da39", "#fde725"];
  var FONT = 12;
  function n1(v) { var s = v.toFixed(1); return /\.0$/.test(s) ? s.slice(0, -2) : s; }
  function svgEl(tag, attrs, text) {
    var e = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svgRoot(width, height, label, kind, role) {
    var svg = svgEl("svg", { class: "pz-plot pz-plot--" + kind, viewBox: "0 0 " + n1(width) +
      " " + n1(height), width: n1(width), height: n1(height), role: role || "img",
      "aria-label": label });
    svg.appendChild(svgEl("title", {}, label));
    return svg;
  }
  function numbers(v) {
    if (!Array.isArray(v) || !v.length) return null;
    var out = v.map(num);
    return out.every(function (x) { return x !== null; }) ? out : null;
  }
  function expandEdges(v) {
    if (Array.isArray(v)) return numbers(v);
    v = obj(v);
    var start = num(v.start), step = num(v.step), n = isInt(v.n) ? Number(rawText(v.n)) : 0;
    if (start === null || step === null || n < 2 || n > 100000) return null;
    var out = [];
    for (var i = 0; i < n; i++) out.push(start + i * step);
    return out;
  }
  function increasing(e) {
    for (var i = 1; i < e.length; i++) if (!(e[i] > e[i - 1])) return false;
    return true;
  }
  function Frame(left, top, width, height, x0, x1, y0, y1, flipX) {
    this.left = left; this.top = top; this.width = width; this.height = height;
    this.x0 = x0; this.x1 = x1; this.y0 = y0; this.y1 = y1; this.flipX = flipX;
    this.bottom = top + height;
  }
  Frame.prototype.x = function (v) {
    var t = (v - this.x0) / (this.x1 - this.x0);
    return this.left + (this.flipX ? 1 - t : t) * this.width;
  };
  Frame.prototype.y = function (v) {
    return this.top + (1 - (v - this.y0) / (this.y1 - this.y0)) * this.height;
  };
  Frame.prototype.axes = function (svg, xTitle, yTitle, xLabels, yFormat) {
    var f = this, b = f.bottom, r = f.left + f.width;
    var g = svg.appendChild(svgEl("g", { class: "pz-plot__axes", fill: "none",
      stroke: "currentColor", "stroke-width": "1" }));
    g.appendChild(svgEl("path", { d: "M" + n1(f.left) + " " + n1(f.top) + "V" + n1(b) + "H" +
                                     n1(r) }));
    var xt = niceTicks(f.x0, f.x1, 6), yt = niceTicks(f.y0, f.y1, 5);
    var d = xt[0].map(function (t) { return "M" + n1(f.x(t)) + " " + n1(b) + "v5"; })
      .concat(yt[0].map(function (t) { return "M" + n1(f.left) + " " + n1(f.y(t)) + "h-5"; }));
    g.appendChild(svgEl("path", { d: d.join("") }));
    var labels = svg.appendChild(svgEl("g", { class: "pz-plot__labels", fill: "currentColor",
                                               "font-size": String(FONT) }));
    xt[0].forEach(function (t) {
      labels.appendChild(svgEl("text", { x: n1(f.x(t)), y: n1(b + 18), "text-anchor": "middle" },
        xLabels ? xLabels(t, xt[1]) : tickLabel(t, xt[1])));
    });
    yt[0].forEach(function (t) {
      labels.appendChild(svgEl("text", { x: n1(f.left - 8), y: n1(f.y(t) + 4),
        "text-anchor": "end" }, yFormat ? yFormat(t) : tickLabel(t, yt[1])));
    });
    var cx = f.left + f.width / 2, cy = f.top + f.height / 2, ty = n1(f.left - 52);
    labels.appendChild(svgEl("text", { x: n1(cx), y: n1(b + 40), "text-anchor": "middle",
                                       class: "pz-plot__title" }, xTitle));
    labels.appendChild(svgEl("text", { x: ty, y: n1(cy), "text-anchor": "middle",
      transform: "rotate(-90 " + ty + " " + n1(cy) + ")", class: "pz-plot__title" }, yTitle));
  };
  function countFormat(top) {
    var units = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
    for (var i = 0; i < units.length; i++) {
      if (top >= Math.max(units[i][0], 1e4)) {
        var u = units[i];
        return function (t) { return t ? pyG(t / u[0], 6) + u[1] : "0"; };
      }
    }
    return fmtCompact;
  }

  // The n(z) histogram: one filled outline; the bin under the pointer in a tooltip.
  function histogramSvg(hist) {
    var edges = expandEdges(hist.edges), counts = numbers(hist.counts);
    if (!edges || !counts || edges.length !== counts.length + 1 || !increasing(edges) ||
        Math.min.apply(null, counts) < 0) return null;
    var column = txt(hist.column) || "z";
    var lo = edges[0], hi = edges[edges.length - 1];
    if (lo >= 0 && lo < 0.1 * (hi - lo)) lo = 0;
    var top = Math.max.apply(null, counts) || 1, ticks = niceTicks(0, top, 5)[0];
    var ymax = Math.max(top, ticks.length ? ticks[ticks.length - 1] : top);
    var f = new Frame(72, 12, 548, 240, lo, hi, 0, ymax, false), bottom = n1(f.bottom);
    var d = "M" + n1(f.x(edges[0])) + " " + bottom;
    counts.forEach(function (c, i) { d += "V" + n1(f.y(c)) + "H" + n1(f.x(edges[i + 1])); });
    var total = counts.reduce(function (a, c) { return a + c; }, 0);
    var svg = svgRoot(640, 312, "Histogram of " + column + ": " + fmtInt(RAW + total) +
                      " values in " + counts.length + " bins", "hist");
    svg.appendChild(svgEl("path", { class: "pz-plot__bars", fill: "#4051b5",
                                    d: d + "V" + bottom + "z" }));
    f.axes(svg, column, "objects per bin", null, countFormat(ymax));
    return { svg: svg, edges: edges, counts: counts, px: [f.x(edges[0]), f.x(hi)],
             column: column };
  }

  // A grid of colour levels (-1: transparent) as a PNG data URL, a pixel per cell.
  function levelsImage(levels) {
    var h = levels.length, w = levels[0].length;
    var canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(w, h);
    for (var i = 0; i < h; i++) {
      for (var j = 0; j < w; j++) {
        var lev = levels[i][j], p = 4 * (i * w + j);
        if (lev < 0) continue;
        var c = SEQUENTIAL[lev];
        img.data[p] = parseInt(c.slice(1, 3), 16);
        img.data[p + 1] = parseInt(c.slice(3, 5), 16);
        img.data[p + 2] = parseInt(c.slice(5, 7), 16);
        img.data[p + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    return canvas.toDataURL("image/png");
  }
  function uniform(e) {
    var step = (e[e.length - 1] - e[0]) / (e.length - 1);
    for (var i = 1; i < e.length; i++) if (Math.abs(e[i] - e[i - 1] - step) > 1e-6 * step) {
      return false;
    }
    return true;
  }
  var DTYPES = { "<u1": 1, "<u2": 2, "<u4": 4, "<u8": 8 };
  async function skyCounts(packed, nDec, nRa) {
    if (Array.isArray(packed)) {
      var rows = packed.map(numbers);
      return rows.every(function (r) { return r && r.length === nRa; }) &&
        rows.length === nDec ? rows : null;
    }
    packed = obj(packed);
    var size = DTYPES[packed.dtype], shape = list(packed.shape).map(num);
    if (packed.encoding !== "zlib+base64" || !size || shape[0] !== nDec ||
        shape[1] !== nRa || typeof packed.data !== "string" || !window.DecompressionStream) {
      return null;
    }
    var bin = atob(packed.data), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    var raw = new DataView(await new Response(stream).arrayBuffer());
    if (raw.byteLength !== nDec * nRa * size) return null;
    var out = [];
    for (var r = 0; r < nDec; r++) {
      var row = [];
      for (var c = 0; c < nRa; c++) {
        var at = (r * nRa + c) * size;
        row.push(size === 1 ? raw.getUint8(at) : size === 2 ? raw.getUint16(at, true) :
          size === 4 ? raw.getUint32(at, true) : Number(raw.getBigUint64(at, true)));
      }
      out.push(row);
    }
    return out;
  }
  // The sky density: RA grows to the left, the RA axis shrunk by cos(Dec) at the centre.
  async function skySvg(sky) {
    var ra = expandEdges(sky.ra_edges), dec = expandEdges(sky.dec_edges);
    if (!ra || !dec || ra.length < 2 || dec.length < 2 || !increasing(ra) || !increasing(dec)) {
      return null;
    }
    var grid = await skyCounts(sky.counts, dec.length - 1, ra.length - 1);
    if (!grid) return null;
    var flat = [].concat.apply([], grid), hi = Math.max.apply(null, flat);
    var occupied = flat.filter(function (v) { return v > 0; });
    if (!occupied.length) return null;
    var lo = Math.min.apply(null, occupied), k = SEQUENTIAL.length, log = hi / lo > 30;
    var bounds = [];
    for (var s = 0; s <= k; s++) bounds.push(log ? lo * Math.pow(hi / lo, s / k) : hi * s / k);
    var levels = grid.map(function (row) {
      return row.map(function (v) {
        if (!(v > 0)) return -1;
        var at = 0;
        while (at < bounds.length && bounds[at] <= v) at++;
        return Math.min(Math.max(at - 1, 0), k - 1);
      });
    });
    var ra0 = ra[0], ra1 = ra[ra.length - 1], dec0 = dec[0], dec1 = dec[dec.length - 1];
    var cosd = Math.max(0.15, Math.cos((Math.max(-90, dec0) + Math.min(90, dec1)) / 2 *
                                       Math.PI / 180));
    var wDeg = (ra1 - ra0) * cosd, hDeg = dec1 - dec0, scale = Math.min(440 / wDeg, 360 / hDeg);
    var f = new Frame(72, 12, Math.max(160, wDeg * scale), Math.max(120, hDeg * scale),
                      ra0, ra1, dec0, dec1, true);
    var total = flat.reduce(function (a, v) { return a + v; }, 0);
    var barX = f.left + f.width + 24;
    var svg = svgRoot(barX + 110, Math.max(f.bottom + 52, f.top + 250), "Sky density of " +
      fmtInt(RAW + total) + " objects, " + (ra.length - 1) + " \u00d7 " + (dec.length - 1) +
      " cells; right ascension grows to the left", "sky");
    var cells = svg.appendChild(svgEl("g", { class: "pz-plot__cells",
                                             "shape-rendering": "crispEdges", fill: "none" }));
    if (uniform(ra) && uniform(dec)) {  // one image: the first row the highest Dec, RA leftwards
      cells.appendChild(svgEl("image", { x: n1(f.left), y: n1(f.top), width: n1(f.width),
        height: n1(f.height), preserveAspectRatio: "none", href: levelsImage(
          levels.slice().reverse().map(function (r) { return r.slice().reverse(); })) }));
    } else {  // a path per colour, a rectangle per run of cells of one colour in a row
      var xs = ra.map(function (v) { return n1(f.x(v)); });
      var ys = dec.map(function (v) { return n1(f.y(v)); });
      var paths = SEQUENTIAL.map(function () { return ""; });
      levels.forEach(function (row, i) {
        for (var j = 0; j < row.length;) {
          var e = j;
          while (e < row.length && row[e] === row[j]) e++;
          if (row[j] >= 0) {
            paths[row[j]] += "M" + xs[e] + " " + ys[i + 1] + "H" + xs[j] + "V" + ys[i] + "H" +
              xs[e] + "z";
          }
          j = e;
        }
      });
      paths.forEach(function (d, lev) {
        if (d) cells.appendChild(svgEl("path", { fill: SEQUENTIAL[lev], d: d }));
      });
    }
    var wraps = sky.ra_wraps === true;
    f.axes(svg, "RA: " + (txt(sky.ra_column) || "ra") + " (deg)", "Dec: " +
      (txt(sky.dec_column) || "dec") + " (deg)", function (t, step) {
      return tickLabel(wraps || t < 0 ? ((t % 360) + 360) % 360 : t, step);
    });
    colourBar(svg, barX, f.top, Math.min(f.height, 240), bounds, log);
    return svg;
  }
  function colourBar(svg, x, top, height, bounds, log) {
    var k = SEQUENTIAL.length, step = height / k, bar = [];
    for (var i = k - 1; i >= 0; i--) bar.push([i]);
    var g = svg.appendChild(svgEl("g", { class: "pz-plot__colourbar" }));
    g.appendChild(svgEl("image", { x: n1(x), y: n1(top), width: "14", height: n1(height),
                                   preserveAspectRatio: "none", href: levelsImage(bar) }));
    g.appendChild(svgEl("rect", { x: n1(x), y: n1(top), width: "14", height: n1(height),
      fill: "none", stroke: "currentColor", "stroke-opacity": "0.4" }));
    var labels = svg.appendChild(svgEl("g", { class: "pz-plot__labels", fill: "currentColor",
                                               "font-size": String(FONT) }));
    [0, Math.floor(k / 2), k].forEach(function (i) {
      var v = bounds[i];
      labels.appendChild(svgEl("text", { x: n1(x + 20), y: n1(top + height - i * step + 4) },
        v >= 10 || v === 0 ? fmtCompact(roundEven(v)) : pyG(v, 2)));
    });
    var ty = n1(x + 96), cy = n1(top + height / 2);
    labels.appendChild(svgEl("text", { x: ty, y: cy, "text-anchor": "middle",
      transform: "rotate(-90 " + ty + " " + cy + ")", class: "pz-plot__title" },
      "objects per cell (" + (log ? "log scale" : "linear") + ")"));
  }

  // The provenance graph: derived from (left), this product, used by (right).
  var LINEAGE_MAX = 12, LINEAGE_LABEL = 26, BOX_W = 216, BOX_H = 32, GAP_X = 70, GAP_Y = 10,
    PAD = 6;
  function related(items) {
    return list(items).map(function (item) {
      item = typeof item === "string" ? { id: item } : obj(item);
      var id = txt(item.id);
      return { name: txt(item.name) || id, id: id };
    }).filter(function (i) { return i.name; });
  }
  function squash(s) { return s.split(/\s+/).filter(Boolean).join(" "); }
  function lineageBox(x, y, name, href, kind) {
    var full = squash(name), strong = kind === "this";
    var label = full.length <= LINEAGE_LABEL ? full :
      full.slice(0, LINEAGE_LABEL - 1).replace(/\s+$/, "") + "\u2026";
    var cls = "pz-lineage__node pz-lineage__node--" + kind;
    var box = href ? svgEl("a", { href: href, class: cls + " pz-lineage__link" }) :
      svgEl("g", { class: cls });
    box.appendChild(svgEl("title", {}, full));
    var rect = { x: n1(x), y: n1(y), width: n1(BOX_W), height: n1(BOX_H), rx: "6",
                 "fill-opacity": strong ? "0.14" : "0.04", stroke: "currentColor" };
    if (strong) rect["stroke-width"] = "2";
    if (kind === "more") rect["stroke-dasharray"] = "4 3";
    box.appendChild(svgEl("rect", rect));
    var t = { x: n1(x + BOX_W / 2), y: n1(y + BOX_H / 2 + FONT * 0.35) };
    if (strong) t["font-weight"] = "bold";
    box.appendChild(svgEl("text", t, label));
    return box;
  }
  function lineageSvg(record) {
    var prov = obj(record.provenance);
    var derived = related(prov.derived_from), used = related(prov.used_by);
    if (!derived.length && !used.length) return null;
    var own = txt(record.id);
    var root = own && ID_FORM.test(own) ? new Array(own.split("/").length + 2).join("../") :
      null;
    var href = function (id) {  // links to products/<id>/ only, for ids of that form
      return root && id && ID_FORM.test(id) ? root + "products/" + id + "/" : null;
    };
    var shown = function (items) {
      var out = items.slice(0, LINEAGE_MAX).map(function (i) {
        return [i.name, href(i.id), "other"];
      });
      if (items.length > LINEAGE_MAX) out.push(["+" + (items.length - LINEAGE_MAX) + " more",
                                                null, "more"]);
      return out;
    };
    var cols = [PAD, PAD + BOX_W + GAP_X, PAD + 2 * (BOX_W + GAP_X)];
    var left = shown(derived), right = shown(used);
    var rows = Math.max(left.length, right.length, 1);
    var height = 2 * PAD + rows * BOX_H + (rows - 1) * GAP_Y, mid = height / 2;
    var ys = function (n) {
      var span = n * BOX_H + (n - 1) * GAP_Y, out = [];
      for (var i = 0; i < n; i++) out.push(mid - span / 2 + i * (BOX_H + GAP_Y));
      return out;
    };
    var edges = [], heads = [], boxes = [];
    [[cols[0] + BOX_W, cols[1], left], [cols[1] + BOX_W, cols[2], right]].forEach(function (s) {
      var x0 = s[0], x1 = s[1], side = s[2];
      ys(side.length).forEach(function (y, i) {
        var c = y + BOX_H / 2, a = side === left ? c : mid, b = side === left ? mid : c;
        var xm = (x0 + x1) / 2;
        edges.push("M" + n1(x0) + " " + n1(a) + "C" + n1(xm) + " " + n1(a) + " " + n1(xm) + " " +
                   n1(b) + " " + n1(x1 - 7) + " " + n1(b) + "H" + n1(x1 - 1));
        var head = "M" + n1(x1 - 1) + " " + n1(b) + "l-7 -4v8z";
        if (heads.indexOf(head) < 0) heads.push(head);
        boxes.push(lineageBox(side === left ? cols[0] : cols[2], y, side[i][0], side[i][1],
                              side[i][2]));
      });
    });
    var name = txt(record.name) || own || "this product";
    boxes.push(lineageBox(cols[1], mid - BOX_H / 2, name, null, "this"));
    var svg = svgRoot(cols[2] + BOX_W + PAD, height, "Provenance of " + squash(name) +
      ": derived from " + derived.length + " product" + (derived.length === 1 ? "" : "s") +
      ", used by " + used.length, "lineage pz-lineage", "group");
    var g = svg.appendChild(svgEl("g", { class: "pz-lineage__edges", fill: "none",
      stroke: "currentColor", "stroke-opacity": "0.6", "stroke-width": "1.2" }));
    edges.forEach(function (d) { g.appendChild(svgEl("path", { class: "pz-lineage__edge", d: d })); });
    svg.appendChild(svgEl("g", { class: "pz-lineage__arrows", fill: "currentColor",
      "fill-opacity": "0.6" })).appendChild(svgEl("path", { d: heads.join("") }));
    g = svg.appendChild(svgEl("g", { fill: "currentColor", "font-size": String(FONT),
                                     "text-anchor": "middle" }));
    boxes.forEach(function (b) { g.appendChild(b); });
    return svg;
  }

  var COLUMNS_NOTE = "Missing counts nulls, NaN, infinities and the product's null values; " +
    "the other statistics leave them out. Std is the sample standard deviation; a large " +
    "column's median comes from a uniform sample (hover over it to see its size), the " +
    "others are exact.";

  // One part of the page: the element with data-pz-draw holds a note with the link to
  // product.json, replaced by what is drawn (or told why nothing could be); data-pz-done
  // says which, when it is over.
  var DRAW = {
    preview: function (record) { return previewTable(obj(obj(record.main).table)); },
    columns: function (record, box) {
      var vocab = {};
      try { vocab = obj(JSON.parse(box.dataset.pzRoles || "{}")); } catch (e) { vocab = {}; }
      var table = columnsTable(record, vocab);
      if (table) {
        var note = document.createElement("p");
        note.className = "pz-product__notes";
        note.textContent = COLUMNS_NOTE;
        box.pzAfter = function () { box.after(note); };
      }
      return table;
    },
    nz: function (record, box) {
      var drawn = histogramSvg(obj(obj(obj(record.main).table).z_histogram));
      if (drawn) box.pzAfter = function () { initHistogram(drawn); };
      return drawn && drawn.svg;
    },
    sky: function (record) { return skySvg(obj(obj(obj(record.main).table).sky_density)); },
    lineage: lineageSvg,
  };
  async function initDraw(box) {
    var note = box.querySelector(".pz-product__notes");
    try {
      var record = await loadRecord(box.dataset.pzRecord);
      var drawn = await DRAW[box.dataset.pzDraw](record, box);
      if (!drawn) throw new Error("the record holds nothing to draw");
      if (note) note.replaceWith(drawn); else box.prepend(drawn);
      if (box.pzAfter) box.pzAfter();
      box.dataset.pzDone = "drawn";
    } catch (e) {
      if (note) {
        note.appendChild(document.createTextNode(" (It could not be shown: " +
          (e && e.message ? e.message : String(e)) + ".)"));
      }
      box.dataset.pzDone = "failed";
    }
  }

  // The histogram is one path (histogramSvg): the bin under the pointer is found from its
  // x, shown in a tooltip and outlined.
  function initHistogram(drawn) {
    var svg = drawn.svg, counts = drawn.counts, edges = drawn.edges, px = drawn.px;
    var n = counts.length;
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
    var column = drawn.column;
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
    document.querySelectorAll("[data-pz-draw][data-pz-record]").forEach(function (box) {
      if (box.dataset.pzReady || !DRAW.hasOwnProperty(box.dataset.pzDraw)) return;
      box.dataset.pzReady = "1";
      initDraw(box);
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
