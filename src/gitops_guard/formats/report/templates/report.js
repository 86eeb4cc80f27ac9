// The whole of the page's behaviour: the events table sorts, filters and pages through every
// event of the period. The events come from the page's #events-data block, JSON read as
// text and parsed (data, never code: no string of it can run), and rows are built with DOM
// calls that set text, never markup. The filter lives in the URL fragment
// (#filter:env=prod&sort=-time&page=2), so a view can be bookmarked, and a timeline's
// bar links to its events that way. The table is marked data-ready once wired, with the
// time it took (data-ready-ms: from navigation start, after a first layout).
(() => {
  "use strict";
  const table = document.getElementById("events");
  const form = document.getElementById("event-filters");
  const count = document.getElementById("event-count");
  const pager = document.getElementById("events-pager");
  const where = document.getElementById("events-page");
  const block = document.getElementById("events-data");
  if (!table || !form || !count || !pager || !where || !block) return;
  const data = JSON.parse(block.textContent);
  const S = data.strings;
  const runs = data.runs;
  const E = data.events;
  const total = E.env.length;
  const PAGE = parseInt(table.dataset.page, 10) || 100;
  const DASH = "\u2013";
  const body = table.tBodies[0];
  const heads = Array.from(table.tHead.rows[0].cells);
  const columns = heads.map((th) => th.dataset.col);
  const field = (name) => form.elements.namedItem(name);
  const names = ["q", "env", "app", "change", "from", "to"];
  const flagged = field("flagged");
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  // Runs of one commit expanded: each event's run, and each run's local time (seconds).
  const run = new Int32Array(total);
  const local = new Float64Array(runs.n.length);
  let clock = 0;
  for (let r = 0, i = 0; r < runs.n.length; r += 1) {
    clock += runs.t[r];
    local[r] = clock;
    for (let k = 0; k < runs.n[r]; k += 1) run[i++] = r;
  }
  const utc = (i) => local[run[i]] - data.zones[runs.zone[run[i]]][1];
  const flags = new Uint8Array(total); // 1: a rollback, 2: the initial layout
  data.rollback.forEach((i) => { flags[i] |= 1; });
  data.initial.forEach((i) => { flags[i] |= 2; });
  const found = new Map(); // event → its findings: [rule, severity, message]
  data.findings.forEach(([i, ...finding]) => {
    if (!found.has(i)) found.set(i, []);
    found.get(i).push(finding);
  });
  const person = (i) => data.people[runs.who[run[i]]]; // author, e-mail, committer, bot
  // Commit ids: listed as they are, or packed (hexadecimal ids as bytes, in base64).
  const packed = data.commits.hex ? null : atob(data.commits.base64);
  const width = data.commits.bytes;
  function sha(i) {
    if (packed === null) return data.commits.hex[run[i]];
    let hex = "";
    for (let k = run[i] * width; k < (run[i] + 1) * width; k += 1) {
      hex += packed.charCodeAt(k).toString(16).padStart(2, "0");
    }
    return hex;
  }

  const pad = (value) => String(value).padStart(2, "0");
  function stamp(i) {
    const when = new Date(local[run[i]] * 1000);
    let text = when.getUTCFullYear() + "-" + pad(when.getUTCMonth() + 1) + "-"
      + pad(when.getUTCDate()) + " " + pad(when.getUTCHours()) + ":" + pad(when.getUTCMinutes());
    if (data.zoned) text += " " + data.zones[runs.zone[run[i]]][0];
    return text;
  }
  const text = (column, i) => S[E[column][i]];
  const versions = (i) => (text("from", i) || "\u2205") + " \u2192 " + (text("to", i) || "\u2205");
  const findings = (i) => found.get(i) || [];

  // What each cell shows, as text: the sort keys and the text filter's haystack.
  const cells = {
    time: stamp,
    env: (i) => text("env", i) || DASH,
    app: (i) => text("app", i) || DASH,
    image: (i) => text("image", i),
    versions,
    change: (i) => text("change", i) + (flags[i] & 1 ? " rollback" : "")
      + (flags[i] & 2 ? " initial layout" : ""),
    by: (i) => S[person(i)[0]] + (person(i)[3] ? " bot" : ""),
    pr: (i) => (runs.pr[run[i]] ? "#" + runs.pr[run[i]] : DASH),
    commit: (i) => (sha(i) ? sha(i).slice(0, 12) : DASH) + S[runs.subject[run[i]]],
    findings: (i) => (findings(i).length ? findings(i).map((f) => S[f[0]]).join(" ") : "ok"),
  };
  let haystack = null; // built on the first text search
  const rowText = (i) => columns.map((c) => cells[c](i)).join("\n").toLowerCase();

  function span(parent, className, content, title) {
    const element = document.createElement("span");
    if (className) element.className = className;
    if (title !== undefined) element.title = title;
    element.textContent = content;
    parent.appendChild(element);
  }

  // One row, as the template writes it (_events.html.j2).
  function row(i) {
    const tr = document.createElement("tr");
    const r = run[i];
    const env = text("env", i);
    const app = text("app", i);
    const change = text("change", i);
    tr.dataset.env = env;
    tr.dataset.app = app;
    tr.dataset.change = change;
    if (flags[i] & 1) tr.dataset.rb = "1";
    if (findings(i).length) tr.dataset.f = String(findings(i).length);
    const cell = (content) => {
      const td = tr.insertCell();
      if (content !== undefined) td.textContent = content;
      return td;
    };
    cell(stamp(i));
    cell(env || DASH);
    cell(app || DASH);
    const image = cell();
    text("image", i).split("/").forEach((part, k) => {
      if (k) image.append("/", document.createElement("wbr"));
      image.append(part);
    });
    cell(versions(i));
    const kind = cell();
    span(kind, "badge k-" + (data.kinds.includes(change) ? change : "other"), change);
    if (flags[i] & 1) { kind.append(" "); span(kind, "badge rollback", "rollback"); }
    if (flags[i] & 2) { kind.append(" "); span(kind, "badge initial", "initial layout"); }
    const by = cell();
    const [author, email, committer, bot] = person(i).map((k, n) => (n < 3 ? S[k] : k));
    span(by, "", author, email
      + (committer && committer !== author ? " \u00b7 committed by " + committer : ""));
    if (bot) { by.append(" "); span(by, "badge bot", "bot"); }
    cell(runs.pr[r] ? "#" + runs.pr[r] : DASH);
    const commit = cell();
    const id = sha(i);
    if (id) {
      const code = document.createElement("code");
      code.title = id;
      code.textContent = id.slice(0, 12);
      commit.appendChild(code);
    } else {
      commit.append(DASH);
    }
    span(commit, "subj", S[runs.subject[r]]);
    const rules = cell();
    findings(i).forEach((f, k) => {
      if (k) rules.append(" ");
      span(rules, "badge sev-" + S[f[1]], S[f[0]], S[f[2]]);
    });
    if (!findings(i).length) rules.textContent = "ok";
    return tr;
  }

  // The filter's dates are UTC days, as the timelines' bars and the command line's
  // --since/--until read them: from 00:00 of the first to the end of the last.
  function day(value, end) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
    const start = Date.parse(value + "T00:00:00Z") / 1000;
    return isNaN(start) ? null : start + (end ? 86400 : 0);
  }

  let order = Array.from({ length: total }, (_, i) => i); // every event, sorted
  let shown = order; // those the filter keeps, in that order
  let page = 0;
  let sortColumn = 0;
  let sortDir = 1;

  function apply() {
    const needle = field("q").value.trim().toLowerCase();
    const env = field("env").value;
    const app = field("app").value;
    const change = field("change").value;
    const since = day(field("from").value, false);
    const until = day(field("to").value, true);
    if (needle && haystack === null) haystack = Array.from({ length: total }, (_, i) => rowText(i));
    shown = order.filter((i) => (!needle || haystack[i].includes(needle))
      && (!env || text("env", i) === env)
      && (!app || text("app", i) === app)
      && (!change || (change === "rollback" ? flags[i] & 1 : text("change", i) === change))
      && (!flagged.checked || findings(i).length > 0)
      && (since === null || utc(i) >= since)
      && (until === null || utc(i) < until));
    count.textContent = shown.length + " of " + total + " events shown";
  }

  function render() {
    const pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(Math.max(page, 0), pages - 1);
    const first = page * PAGE;
    const slice = shown.slice(first, first + PAGE);
    const fragment = document.createDocumentFragment();
    slice.forEach((i) => fragment.appendChild(row(i)));
    body.replaceChildren(fragment);
    where.textContent = shown.length
      ? "Rows " + (first + 1) + "\u2013" + (first + slice.length) + " of " + shown.length
        + " \u00b7 page " + (page + 1) + " of " + pages
      : "No event matches";
    pager.querySelectorAll("button").forEach((button) => {
      const back = button.dataset.go === "first" || button.dataset.go === "previous";
      button.disabled = back ? page === 0 : page >= pages - 1;
    });
  }

  // Time sorts by the original index (events come oldest first); PR by its number;
  // findings by how many; the rest by the text shown, numbers inside compared as numbers.
  function sort(column, dir) {
    const type = heads[column].dataset.type || "text";
    const name = columns[column];
    let keys;
    if (type === "index") keys = null;
    else if (type === "count") keys = Array.from({ length: total }, (_, i) => findings(i).length);
    else if (type === "num") keys = Array.from(run, (r) => runs.pr[r] || -1);
    else keys = Array.from({ length: total }, (_, i) => cells[name](i));
    const ranked = Array.from({ length: total }, (_, i) => i);
    // The original index breaks ties, so equal keys keep their time order.
    ranked.sort((a, b) => (keys === null ? a - b
      : type === "text" ? collator.compare(keys[a], keys[b]) : keys[a] - keys[b]) * dir || a - b);
    order = ranked;
    heads.forEach((th, i) => th.setAttribute("aria-sort",
      i === column ? (dir > 0 ? "ascending" : "descending") : "none"));
    sortColumn = column;
    sortDir = dir;
  }

  function save() {
    const params = new URLSearchParams();
    names.forEach((name) => { if (field(name).value) params.set(name, field(name).value); });
    if (flagged.checked) params.set("flagged", "1");
    if (sortColumn !== 0 || sortDir !== 1) {
      params.set("sort", (sortDir < 0 ? "-" : "") + columns[sortColumn]);
    }
    if (page) params.set("page", String(page + 1));
    const query = params.toString();
    try {
      history.replaceState(null, "", query ? "#filter:" + query : location.href.split("#")[0]);
    } catch (error) { /* some viewers forbid it: the filter still works */ }
  }

  function load() {
    if (!location.hash.startsWith("#filter:")) return false;
    const params = new URLSearchParams(location.hash.slice(8));
    names.forEach((name) => { field(name).value = params.get(name) || ""; });
    flagged.checked = params.get("flagged") === "1";
    const wanted = params.get("sort") || "time";
    const desc = wanted.startsWith("-");
    const column = columns.indexOf(desc ? wanted.slice(1) : wanted);
    if (column >= 0) sort(column, desc ? -1 : 1);
    page = (parseInt(params.get("page"), 10) || 1) - 1;
    return true;
  }

  heads.forEach((th, column) => {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    button.title = "Sort by " + th.textContent.toLowerCase();
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", () => {
      sort(column, column === sortColumn ? -sortDir : 1);
      apply();
      page = 0;
      render();
      save();
    });
  });
  pager.addEventListener("click", (event) => {
    const go = event.target.closest("button[data-go]");
    if (!go) return;
    const last = Math.ceil(shown.length / PAGE) - 1;
    page = { first: 0, previous: page - 1, next: page + 1, last }[go.dataset.go];
    render();
    save();
  });
  const changed = () => { apply(); page = 0; render(); save(); };
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  // A timeline's bar lists its changes: its lane's app, its chart's environment, its days
  // (data-d, and the chart's data-unit), through the fragment as a bookmark would.
  document.addEventListener("click", (event) => {
    const bin = event.target.closest("g.bin[data-d]");
    const lane = bin && bin.closest("g.bins[data-app]");
    const chart = lane && lane.closest("svg[data-env]");
    if (!chart) return;
    const end = new Date(bin.dataset.d + "T00:00:00Z");
    if (chart.dataset.unit === "week") end.setUTCDate(end.getUTCDate() + 6);
    else if (chart.dataset.unit === "month") end.setUTCMonth(end.getUTCMonth() + 1, 0);
    const params = new URLSearchParams({
      env: chart.dataset.env, app: lane.dataset.app, from: bin.dataset.d,
      to: end.toISOString().slice(0, 10),
    });
    location.hash = "#filter:" + params.toString();
  });
  // A #filter:… link (a bar, a bookmark) applies when followed; the back button works.
  window.addEventListener("hashchange", () => {
    if (load()) { apply(); render(); table.scrollIntoView(); }
  });
  load();
  form.hidden = false;
  pager.hidden = false;
  apply();
  render();
  void document.documentElement.offsetHeight; // the first layout belongs to the time
  table.dataset.readyMs = String(Math.round(performance.now()));
  table.dataset.ready = "1";
})();
