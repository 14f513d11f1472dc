/* pz-list.js: the catalog's product list pages, rendered in the browser.
 *
 * Markup (site_templates/list.md.j2):
 *   <div class="pz-list" data-section="official" data-catalog="../catalog.json"
 *        data-site-root="../"></div>
 * data-catalog and data-site-root are relative to the page; data-section is "official",
 * "user" or empty (all products).
 *
 * The view lives in the URL query, so it can be shared and Back works:
 *   ?type=redshift_catalog&release=dp1&owner=jdoe&tag=desi&search=desi+bpz&sort=-rows&page=2
 * "search" is not called "q" because mkdocs-material opens its own search dialog on ?q=.
 * "sort" is a column key, "-" first for descending. Discrete changes (a select box, a
 * header, a page, a tag, Reset) push a history entry; typing replaces the current entry
 * (debounced), so Back steps through views rather than keystrokes.
 *
 * Every string in catalog.json may come from anyone: it reaches the page through
 * textContent or setAttribute only, and a product is linked only when its url is a plain
 * relative path (letters, digits, "._~-/"; no scheme, no "//host", no "." or ".." segment).
 *
 * Speed (10,000 products): the first page renders before the search strings are built
 * (they follow in idle time, or at the first search); each sort order is computed once, on
 * precomputed keys; a filter scans the products in that order and builds only the 50 rows
 * of the page. Typing renders at most once per animation frame.
 *
 * For benchmarks and tests: window.__pzTimings holds performance.now() stamps (fetchStart,
 * jsonFetched, jsonLoaded, indexed, firstRender, searchReady, lastRender) and every render
 * dispatches a bubbling "pz-list:render" event with {reason, shown, total, page, pages, ms}.
 * reason is "search" for a render of typing, run in an animation frame; the others run in
 * the event that caused them.
 */
(function () {
  "use strict";

  if (window.pzList) return; // loaded twice, e.g. a page script re-run by instant navigation

  const PAGE_SIZE = 50;
  const URL_DELAY = 300; // ms of typing before the URL follows
  const DEFAULT_SORT = "name";
  const NONE = "_none"; // filter value of "no release" / "no owner"
  const PARAMS = ["type", "release", "owner", "tag", "search", "sort", "page"];
  const SAFE_PATH = /^[A-Za-z0-9_~-][A-Za-z0-9._~/-]*$/; // no scheme, host, "\\", "%", "?", "#"
  const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;
  const COMBINING = /[\u0300-\u036f]/g;
  const NON_ASCII = /[^\x00-\x7f]/;

  // kind "text" sorts by sortKey() and starts ascending; the others start descending
  // (largest, newest first). nullable columns are hidden when no product of the
  // section has a value.
  const COLUMNS = [
    { key: "name", label: "Name", kind: "text", get: (p) => p.name },
    { key: "type", label: "Type", kind: "text", get: (p) => p.typeName },
    { key: "release", label: "Release", kind: "text", nullable: true, get: (p) => p.releaseName },
    { key: "owner", label: "Owner", kind: "text", nullable: true, get: (p) => p.owner },
    { key: "rows", label: "Rows", kind: "number", nullable: true, get: (p) => p.rows },
    { key: "size", label: "Size", kind: "number", get: (p) => p.size },
    { key: "created", label: "Created", kind: "date", nullable: true, get: (p) => p.created },
    { key: "updated", label: "Updated", kind: "date", nullable: true, get: (p) => p.updated },
  ];
  const COLUMN = Object.fromEntries(COLUMNS.map((c) => [c.key, c]));

  // value(): what a filter compares; text(): its label. Tags are many per product.
  const FACETS = [
    { key: "type", label: "Type", all: "All types", value: (p) => p.type, text: (p) => p.typeName },
    {
      key: "release", label: "Release", all: "All releases",
      value: (p) => p.release ?? NONE, text: (p) => p.releaseName ?? "No release",
    },
    {
      key: "owner", label: "Owner", all: "All owners",
      value: (p) => p.owner ?? NONE, text: (p) => p.owner ?? "No owner",
    },
    { key: "tag", label: "Tag", all: "All tags", many: true },
  ];

  const timings = (window.__pzTimings = window.__pzTimings || {});
  const catalogs = new Map(); // absolute URL -> Promise of prepared products
  const views = new Set();
  const lang = localeOf(document.documentElement.lang);
  const integer = new Intl.NumberFormat(lang);
  const decimal = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });

  function localeOf(tag) {
    try {
      return Intl.getCanonicalLocales(tag)[0];
    } catch (e) {
      return undefined; // no or invalid lang attribute: the browser's locale
    }
  }

  /* ---------------------------------------------------------------- data -- */

  // Lower case without diacritics, so "perez" finds "Pérez".
  function fold(s) {
    s = s.toLowerCase();
    return NON_ASCII.test(s) ? s.normalize("NFD").replace(COMBINING, "") : s;
  }

  // Text order: folded, digits compared as numbers ("run 9" before "run 10"). Plain string
  // comparison of these keys is several times faster than Intl.Collator on 10,000 names.
  function sortKey(s) {
    return s === null ? null : fold(s).replace(/[0-9]+/g, (d) => d.padStart(16, "0"));
  }

  function compareKeys(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  // The search strings, built once per catalog: after the first render, or at the first search.
  function ensureSearchable(products) {
    if (products.searchable) return;
    for (const p of products) p.hay = fold(p.name + "\n" + p.summary + "\n" + p.authors.join("\n"));
    products.searchable = true;
    timings.searchReady = performance.now();
  }

  function whenIdle(fn) {
    if (window.requestIdleCallback) window.requestIdleCallback(fn, { timeout: 500 });
    else setTimeout(fn, 50);
  }

  function text(v) {
    return v === null || v === undefined ? null : String(v);
  }

  function safePath(v) {
    return typeof v === "string" && SAFE_PATH.test(v) && !DOT_SEGMENT.test(v) ? v : null;
  }

  function toProduct(raw) {
    const p = raw && typeof raw === "object" ? raw : {};
    const name = text(p.name) ?? text(p.id) ?? "";
    const summary = text(p.summary) ?? "";
    const authors = Array.isArray(p.authors) ? p.authors.map(String) : [];
    const type = text(p.type) ?? "";
    const release = text(p.release);
    return {
      id: text(p.id) ?? "",
      section: text(p.section) ?? (p.official ? "official" : "user"),
      name,
      summary,
      authors,
      tags: Array.isArray(p.tags) ? p.tags.map(String) : [],
      type,
      typeName: text(p.type_name) ?? type,
      release,
      releaseName: text(p.release_name) ?? release,
      owner: text(p.owner),
      rows: Number.isFinite(p.rows) ? p.rows : null,
      size: Number.isFinite(p.size) ? p.size : null,
      created: typeof p.created === "string" && p.created ? p.created : null,
      updated: typeof p.updated === "string" && p.updated ? p.updated : null,
      url: safePath(p.url),
      hay: "", // ensureSearchable()
    };
  }

  function loadCatalog(url) {
    if (!catalogs.has(url)) {
      const promise = (async () => {
        timings.fetchStart = performance.now();
        const response = await fetch(url);
        if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
        const body = await response.text();
        timings.jsonFetched = performance.now();
        const json = JSON.parse(body);
        timings.jsonLoaded = performance.now();
        if (!json || !Array.isArray(json.products)) throw new Error("no product list in " + url);
        const products = json.products.map(toProduct);
        timings.indexed = performance.now();
        return products;
      })();
      promise.catch(() => catalogs.delete(url)); // let a later visit retry
      catalogs.set(url, promise);
    }
    return catalogs.get(url);
  }

  // The products in the order of one column. Missing values go last in both directions;
  // ties keep catalog order (Array.prototype.sort is stable).
  function sortProducts(products, column, desc) {
    const keys = products.map(column.kind === "text" ? (p) => sortKey(column.get(p)) : column.get);
    const sign = desc ? -1 : 1;
    const index = products.map((_, i) => i);
    index.sort((i, j) => {
      const a = keys[i];
      const b = keys[j];
      if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
      return sign * compareKeys(a, b);
    });
    return index.map((i) => products[i]);
  }

  /* ----------------------------------------------------------------- URL -- */

  function parseSort(value) {
    const desc = value.startsWith("-");
    const key = desc ? value.slice(1) : value;
    return COLUMN[key] ? { key, desc } : { key: DEFAULT_SORT, desc: false };
  }

  function readState() {
    const q = new URLSearchParams(location.search);
    const { key, desc } = parseSort(q.get("sort") || DEFAULT_SORT);
    const page = parseInt(q.get("page") || "1", 10);
    return {
      type: q.get("type") || "",
      release: q.get("release") || "",
      owner: q.get("owner") || "",
      tag: q.get("tag") || "",
      search: (q.get("search") || "").trim(),
      sort: (desc ? "-" : "") + key,
      page: page > 0 ? page : 1,
    };
  }

  // The current URL with the view's parameters replaced; other parameters and the hash stay.
  function urlOf(state) {
    const url = new URL(location.href);
    const q = url.searchParams;
    PARAMS.forEach((k) => q.delete(k));
    for (const facet of FACETS) if (state[facet.key]) q.set(facet.key, state[facet.key]);
    if (state.search.trim()) q.set("search", state.search.trim());
    if (state.sort !== DEFAULT_SORT) q.set("sort", state.sort);
    if (state.page > 1) q.set("page", String(state.page));
    return url.href;
  }

  /* ----------------------------------------------------------------- DOM -- */

  function h(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined && content !== null) node.textContent = content;
    return node;
  }

  function formatBytes(n) {
    const units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let i = 0;
    while (n >= 1000 && i < units.length - 1) {
      n /= 1000;
      i += 1;
    }
    return (i === 0 ? integer.format(n) : decimal.format(n)) + " " + units[i];
  }

  // Page numbers to show: first, last, and two either side of the current one; null is a gap.
  function pageList(page, pages) {
    const keep = [1, page - 2, page - 1, page, page + 1, page + 2, pages]
      .filter((p, i, all) => p >= 1 && p <= pages && all.indexOf(p) === i)
      .sort((a, b) => a - b);
    const out = [];
    keep.forEach((p, i) => {
      const gap = i > 0 ? p - keep[i - 1] : 1;
      if (gap === 2) out.push(p - 1); // a gap of one page: show it rather than "…"
      else if (gap > 2) out.push(null);
      out.push(p);
    });
    return out;
  }

  /* ---------------------------------------------------------------- view -- */

  class ListView {
    constructor(el) {
      this.el = el;
      this.section = el.dataset.section || "";
      this.siteRoot = el.dataset.siteRoot || "";
      this.state = readState();
      this.sorted = new Map(); // sort value -> products in that order
      this.filterKey = null; // the facets and sort of this.matches
      this.query = ""; // the folded search words of this.matches
      this.matches = [];
      this.frame = 0; // a pending render of typing
      this.urlTimer = 0;
      el.dataset.pzState = "loading";
      el.setAttribute("aria-busy", "true");
      el.replaceChildren(h("p", "pz-status", "Loading the product list…"));
      const url = new URL(el.dataset.catalog || "catalog.json", location.href).href;
      loadCatalog(url).then(
        (all) => this.start(all),
        (error) => this.fail(error),
      );
    }

    fail(error) {
      console.error("pz-list:", error);
      this.el.dataset.pzState = "error";
      this.el.removeAttribute("aria-busy");
      this.el.replaceChildren(
        h("p", "pz-status pz-status--error", "The product list could not be loaded: " + error.message),
      );
    }

    start(all) {
      if (!this.el.isConnected) return; // the page went away while loading
      this.all = all;
      this.products = this.section ? all.filter((p) => p.section === this.section) : all;
      this.columns = COLUMNS.filter((c) => !c.nullable || this.products.some((p) => c.get(p) !== null));
      this.build();
      views.add(this);
      this.render("first");
      this.el.dataset.pzState = "ready";
      this.el.removeAttribute("aria-busy");
      whenIdle(() => ensureSearchable(all));
    }

    build() {
      const controls = h("div", "pz-controls");
      controls.setAttribute("role", "search");
      this.input = h("input", "pz-search");
      this.input.type = "search";
      this.input.placeholder = "Search names, descriptions, authors";
      this.input.setAttribute("aria-label", "Search products by name, description or author");
      this.input.autocomplete = "off";
      this.input.spellcheck = false;
      this.input.addEventListener("input", () => this.onType());
      this.input.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter") this.flushTyping(true);
      });
      controls.append(this.input);

      this.selects = {};
      for (const facet of FACETS) {
        const options = this.facetOptions(facet);
        if (!options.some(([value]) => value !== NONE)) continue; // nothing to choose from
        const label = h("label", "pz-facet");
        const select = h("select");
        select.dataset.facet = facet.key;
        select.append(new Option(facet.all, ""));
        for (const [value, label, n] of options) select.append(new Option(`${label} (${n})`, value));
        select.addEventListener("change", () => this.change({ [facet.key]: select.value }));
        label.append(h("span", "pz-facet__label", facet.label), select);
        controls.append(label);
        this.selects[facet.key] = select;
      }
      const reset = h("button", "pz-reset", "Reset");
      reset.type = "button";
      controls.append(reset);

      this.count = h("p", "pz-count");
      this.count.setAttribute("aria-live", "polite");

      const table = h("table", "pz-table");
      const head = h("tr");
      this.headers = {};
      for (const column of this.columns) {
        const th = h("th", `pz-col-${column.key} pz-kind-${column.kind}`);
        th.scope = "col";
        const button = h("button", "pz-sort", column.label);
        button.type = "button";
        button.dataset.sort = column.key;
        th.append(button);
        head.append(th);
        this.headers[column.key] = th;
      }
      table.createTHead().append(head);
      this.tbody = table.createTBody();
      const wrap = h("div", "pz-table-wrap");
      wrap.append(table);

      this.pager = h("nav", "pz-pager");
      this.pager.setAttribute("aria-label", "Pages of the product list");

      this.el.replaceChildren(controls, this.count, wrap, this.pager);
      this.el.addEventListener("click", (ev) => this.onClick(ev));
      this.syncControls();
    }

    // [value, label, count] of a facet over this section, by label; "none" last.
    facetOptions(facet) {
      const counts = new Map();
      const labels = new Map();
      for (const p of this.products) {
        if (facet.many) {
          for (const tag of p.tags) counts.set(tag, (counts.get(tag) || 0) + 1);
        } else {
          const value = facet.value(p);
          const n = counts.get(value);
          counts.set(value, n === undefined ? 1 : n + 1);
          if (n === undefined) labels.set(value, facet.text(p));
        }
      }
      const options = [];
      for (const [value, n] of counts) {
        const label = labels.get(value) ?? value;
        options.push({ value, label, n, key: value === NONE ? "\uffff" : sortKey(label) });
      }
      options.sort((a, b) => compareKeys(a.key, b.key));
      return options.map((o) => [o.value, o.label, o.n]);
    }

    /* events */

    onType() {
      this.state.search = this.input.value;
      this.state.page = 1;
      if (!this.frame) this.frame = requestAnimationFrame(() => this.render("search"));
      clearTimeout(this.urlTimer);
      this.urlTimer = setTimeout(() => this.flushTyping(false), URL_DELAY);
    }

    // Write pending typing to the URL (replace) and, when asked, render it now.
    flushTyping(renderNow) {
      if (this.urlTimer) {
        clearTimeout(this.urlTimer);
        this.urlTimer = 0;
        history.replaceState(history.state, "", urlOf(this.state));
      }
      if (renderNow && this.frame) this.render("search");
    }

    // A discrete change: a new history entry, then render at once.
    change(patch) {
      this.flushTyping(false);
      Object.assign(this.state, { page: 1 }, patch);
      const url = urlOf(this.state);
      if (url !== location.href) history.pushState(null, "", url);
      this.syncControls();
      this.render("change");
    }

    onClick(ev) {
      const target = ev.target instanceof Element ? ev.target : null;
      const button = target && target.closest("button");
      if (!button || !this.el.contains(button) || button.disabled) return;
      if (button.dataset.sort) {
        const column = COLUMN[button.dataset.sort];
        const current = parseSort(this.state.sort);
        const desc = current.key === column.key ? !current.desc : column.kind !== "text";
        this.change({ sort: (desc ? "-" : "") + column.key });
      } else if (button.dataset.page) {
        this.change({ page: Number(button.dataset.page) });
        if (this.el.getBoundingClientRect().top < 0) this.el.scrollIntoView();
      } else if (button.dataset.tag !== undefined) {
        this.change({ tag: button.dataset.tag });
      } else if (button.classList.contains("pz-reset")) {
        this.input.value = "";
        this.change({ type: "", release: "", owner: "", tag: "", search: "" });
      }
    }

    fromUrl() {
      clearTimeout(this.urlTimer);
      this.urlTimer = 0;
      this.state = readState();
      this.syncControls();
      this.render("history");
    }

    syncControls() {
      if (this.input.value.trim() !== this.state.search.trim()) this.input.value = this.state.search;
      for (const [key, select] of Object.entries(this.selects)) {
        const value = this.state[key];
        // A value from a shared URL that this section lacks still shows, with no match.
        if (value && ![...select.options].some((o) => o.value === value)) {
          select.append(new Option(`${value} (0)`, value));
        }
        select.value = value;
      }
      const { key, desc } = parseSort(this.state.sort);
      for (const [k, th] of Object.entries(this.headers)) {
        if (k === key) th.setAttribute("aria-sort", desc ? "descending" : "ascending");
        else th.removeAttribute("aria-sort");
      }
    }

    /* rendering */

    order(sort) {
      if (!this.sorted.has(sort)) {
        const { key, desc } = parseSort(sort);
        this.sorted.set(sort, sortProducts(this.products, COLUMN[key], desc));
      }
      return this.sorted.get(sort);
    }

    filter() {
      const s = this.state;
      const words = fold(s.search).split(/\s+/).filter(Boolean);
      const query = words.join(" ");
      const key = JSON.stringify([s.type, s.release, s.owner, s.tag, s.sort]);
      if (key === this.filterKey && query === this.query) return this.matches;
      // Typing on narrows: when the query extends the last one, every new match was a match
      // (old words are new words, the last one a prefix of one), so only those are scanned.
      const narrowing = key === this.filterKey && query.startsWith(this.query);
      const candidates = narrowing ? this.matches : this.order(s.sort);
      if (words.length) ensureSearchable(this.all);
      const out = [];
      for (const p of candidates) {
        if (s.type && p.type !== s.type) continue;
        if (s.release && (p.release ?? NONE) !== s.release) continue;
        if (s.owner && (p.owner ?? NONE) !== s.owner) continue;
        if (s.tag && !p.tags.includes(s.tag)) continue;
        let found = true;
        for (let i = 0; found && i < words.length; i++) found = p.hay.includes(words[i]);
        if (found) out.push(p);
      }
      this.filterKey = key;
      this.query = query;
      this.matches = out;
      return out;
    }

    render(reason) {
      cancelAnimationFrame(this.frame);
      this.frame = 0;
      const start = performance.now();
      const matches = this.filter();
      const pages = Math.max(1, Math.ceil(matches.length / PAGE_SIZE));
      if (this.state.page > pages) {
        // A page number past the end (a stale link, or fewer matches now): show the last.
        this.state.page = pages;
        history.replaceState(history.state, "", urlOf(this.state));
      }
      const page = this.state.page;
      const shown = matches.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);

      const rows = document.createDocumentFragment();
      for (const p of shown) rows.append(this.row(p));
      if (!shown.length) {
        const td = h("td", "pz-empty", "No product matches these filters. ");
        td.colSpan = this.columns.length;
        const reset = h("button", "pz-reset", "Reset");
        reset.type = "button";
        td.append(reset);
        const tr = h("tr");
        tr.append(td);
        rows.append(tr);
      }
      this.tbody.replaceChildren(rows);
      const total = this.products.length;
      this.count.textContent = `${integer.format(matches.length)} of ${integer.format(total)} ${
        total === 1 ? "product" : "products"
      }`;
      this.renderPager(page, pages);

      const end = performance.now();
      const detail = { reason, shown: matches.length, total, page, pages, ms: end - start };
      timings.lastRender = Object.assign({ start, end }, detail);
      timings.renders = (timings.renders || 0) + 1;
      if (timings.firstRender === undefined) {
        timings.firstRender = end;
        performance.mark("pz-list:first-render");
      }
      this.el.dispatchEvent(new CustomEvent("pz-list:render", { bubbles: true, detail }));
    }

    row(p) {
      const tr = h("tr");
      tr.dataset.id = p.id;
      for (const column of this.columns) {
        const td = h("td", `pz-col-${column.key} pz-kind-${column.kind}`);
        if (column.key === "name") this.nameCell(td, p);
        else {
          const value = column.get(p);
          if (value === null || value === "") {
            td.append(h("span", "pz-null", "—"));
          } else if (column.key === "rows") {
            td.textContent = integer.format(value);
          } else if (column.key === "size") {
            td.textContent = formatBytes(value);
            td.title = `${integer.format(value)} bytes`;
          } else {
            td.textContent = value;
          }
        }
        tr.append(td);
      }
      return tr;
    }

    nameCell(td, p) {
      let name;
      if (p.url) {
        name = h("a", "pz-name", p.name);
        name.setAttribute("href", this.siteRoot + p.url);
      } else {
        name = h("span", "pz-name pz-name--nolink", p.name);
        name.title = "This product has no valid page address";
      }
      td.append(name);
      if (p.summary) td.append(h("p", "pz-summary", p.summary));
      if (p.authors.length || p.tags.length) {
        const meta = h("p", "pz-meta");
        if (p.authors.length) {
          const names = p.authors.slice(0, 3).join(", ") + (p.authors.length > 3 ? " et al." : "");
          const authors = h("span", "pz-authors", names);
          authors.title = p.authors.join("; ");
          meta.append(authors);
        }
        for (const tag of p.tags) {
          const chip = h("button", "pz-tag", tag);
          chip.type = "button";
          chip.dataset.tag = tag;
          chip.title = "Show the products tagged " + tag;
          meta.append(chip);
        }
        td.append(meta);
      }
    }

    renderPager(page, pages) {
      this.pager.replaceChildren();
      this.pager.hidden = pages <= 1;
      if (pages <= 1) return;
      const button = (label, target, className) => {
        const b = h("button", className, label);
        b.type = "button";
        if (target === page || target < 1 || target > pages) b.disabled = true;
        else b.dataset.page = String(target);
        return b;
      };
      const prev = button("‹ Previous", page - 1, "pz-page pz-page--prev");
      prev.setAttribute("aria-label", "Previous page");
      this.pager.append(prev);
      for (const p of pageList(page, pages)) {
        if (p === null) {
          this.pager.append(h("span", "pz-page-gap", "…"));
        } else {
          const b = button(integer.format(p), p, "pz-page");
          b.setAttribute("aria-label", `Page ${p}`);
          if (p === page) b.setAttribute("aria-current", "page");
          this.pager.append(b);
        }
      }
      const next = button("Next ›", page + 1, "pz-page pz-page--next");
      next.setAttribute("aria-label", "Next page");
      this.pager.append(next);
    }
  }

  /* ---------------------------------------------------------------- init -- */

  // Idempotent: called on DOMContentLoaded and on every mkdocs-material document$ emission.
  function init() {
    for (const el of document.querySelectorAll(".pz-list")) {
      if (!el.pzListView) el.pzListView = new ListView(el);
    }
  }

  window.addEventListener("popstate", () => {
    for (const view of views) {
      if (view.el.isConnected) view.fromUrl();
      else views.delete(view);
    }
  });

  window.pzList = { init, version: 1 };

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(() => init());
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init, { once: true });
  } else {
    init();
  }
})();
