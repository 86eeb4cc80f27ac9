// The whole of the page's behaviour: sorting and filtering of the events table. It reads
// nothing but the DOM (no data is embedded in the script, so no string can break out of
// it), keeps the filter in the URL fragment (#filter:env=prod&sort=-time) so a filtered
// view can be bookmarked, and marks the table data-ready once wired.
(() => {
  "use strict";
  const table = document.getElementById("events");
  const form = document.getElementById("event-filters");
  const count = document.getElementById("event-count");
  if (!table || !form || !count) return;
  const body = table.tBodies[0];
  const heads = Array.from(table.tHead.rows[0].cells);
  const columns = heads.map((th) => th.dataset.col);
  const rows = Array.from(body.rows);
  const haystack = rows.map((row) => row.textContent.toLowerCase());
  const field = (name) => form.elements.namedItem(name);
  const names = ["q", "env", "app", "change"];
  const flagged = field("flagged");
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  let sortColumn = 0;
  let sortDir = 1;

  function apply() {
    const needle = field("q").value.trim().toLowerCase();
    const env = field("env").value;
    const app = field("app").value;
    const change = field("change").value;
    let shown = 0;
    rows.forEach((row, i) => {
      const d = row.dataset;
      const ok = (!needle || haystack[i].includes(needle))
        && (!env || d.env === env)
        && (!app || d.app === app)
        && (!change || (change === "rollback" ? d.rb === "1" : d.change === change))
        && (!flagged.checked || d.f !== undefined);
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = shown + " of " + rows.length + " events shown";
  }

  // Rows come oldest first, so time sorts by the original index; PR by its number;
  // findings by how many; the rest by text, numbers inside compared as numbers.
  function key(row, i, type, column) {
    const cell = row.cells[column];
    if (type === "index") return i;
    if (type === "count") return cell.children.length;
    const text = cell.textContent.trim();
    if (type === "num") {
      const number = parseInt(text.replace(/[^0-9]+/g, ""), 10);
      return isNaN(number) ? -1 : number;
    }
    return text;
  }

  function sort(column, dir) {
    const type = heads[column].dataset.type || "text";
    // The original index breaks ties, so equal keys keep their time order.
    const keyed = rows.map((row, i) => [key(row, i, type, column), i, row]);
    keyed.sort((a, b) => (type === "text" ? collator.compare(a[0], b[0])
      : a[0] - b[0]) * dir || a[1] - b[1]);
    const fragment = document.createDocumentFragment();
    keyed.forEach((entry) => fragment.appendChild(entry[2]));
    body.appendChild(fragment);
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
    const query = params.toString();
    try {
      history.replaceState(null, "", query ? "#filter:" + query : location.href.split("#")[0]);
    } catch (error) { /* some viewers forbid it: the filter still works */ }
  }

  function load() {
    if (!location.hash.startsWith("#filter:")) return;
    const params = new URLSearchParams(location.hash.slice(8));
    names.forEach((name) => { const v = params.get(name); if (v !== null) field(name).value = v; });
    flagged.checked = params.get("flagged") === "1";
    const wanted = params.get("sort");
    if (wanted) {
      const desc = wanted.startsWith("-");
      const column = columns.indexOf(desc ? wanted.slice(1) : wanted);
      if (column >= 0) sort(column, desc ? -1 : 1);
    }
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
      save();
    });
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  form.addEventListener("input", () => { apply(); save(); });
  form.addEventListener("change", () => { apply(); save(); });
  load();
  form.hidden = false;
  apply();
  table.dataset.ready = "1";
})();
