// The self-check page's record of the answers (after page.js, whose internals it uses): the answers
// are kept in the tab's sessionStorage (not in the URL, which reaches server logs, the history and
// links people share: 資本金 and 従業員数 are the business's own figures), so changing the year or
// the language, or reloading, keeps them; closing the tab forgets them. A saved case (the answers as
// JSON, or any case file `policy eval` reads) can be loaded back into the form, and the answers given
// are listed under a result (a printed result says what it was decided on).
"use strict";
(function () {
  const page = window.policyPage;
  const { config, T, form, result, put, addItem, renumber, visible, labelText } = page.internals;
  let lastAnswers = null;

  const STORE = "policy-page:answers";

  function get(obj, path) {
    let o = obj;
    for (const k of path.split(".")) { if (o === null || typeof o !== "object") return undefined; o = o[k]; }
    return o;
  }

  function rawOf(el) { // what the applicant entered, as typed (hidden questions included)
    const kind = el.dataset.kind;
    if (kind === "bool") { const on = el.querySelector("input:checked"); return on ? on.value === "true" : undefined; }
    if (kind === "enumlist") { const v = Array.from(el.querySelectorAll("input:checked")).map((i) => i.value); return v.length ? v : undefined; }
    return el.value === "" ? undefined : el.value;
  }

  function setControl(el, v) {
    const kind = el.dataset.kind;
    if (v === undefined || v === null) return;
    if (kind === "bool") { el.querySelectorAll("input").forEach((i) => { i.checked = i.value === String(v === true || v === "true"); }); return; }
    if (kind === "enumlist") { const on = new Set([].concat(v)); el.querySelectorAll("input").forEach((i) => { i.checked = on.has(i.value); }); return; }
    if (kind === "yen" && typeof v === "number") { el.value = v.toLocaleString("ja-JP"); return; }
    el.value = String(v);
  }

  // Answers as a case: the raw text of every control, hidden ones included, and the frame chosen.
  function snapshot() {
    const s = {};
    form.querySelectorAll("[data-path]").forEach((el) => {
      if (el.closest("template") || el.closest(".list")) return;
      const v = rawOf(el);
      if (v !== undefined) put(s, el.dataset.path, v);
    });
    form.querySelectorAll(".list[data-list]").forEach((list) => {
      const items = Array.from(list.querySelectorAll(".items > fieldset.item")).map((item) => {
        const o = {};
        item.querySelectorAll("[data-field]").forEach((el) => { const v = rawOf(el); if (v !== undefined) o[el.dataset.field] = v; });
        return o;
      });
      if (items.length) put(s, list.dataset.list, items);
    });
    const frame = form.querySelector("[data-frame-choice]").value;
    if (frame) s.frame = frame;
    return s;
  }

  // The form set to a case's answers (a stored snapshot or a case file); the rest as the page starts.
  function fill(c) {
    restoring = true;
    HTMLFormElement.prototype.reset.call(form); // form.reset is the button named reset
    restoring = false;
    form.querySelectorAll("[data-path]").forEach((el) => {
      if (el.closest("template") || el.closest(".list")) return;
      setControl(el, get(c, el.dataset.path));
    });
    form.querySelectorAll(".list[data-list]").forEach((list) => {
      const box = list.querySelector(".items");
      let wanted = get(c, list.dataset.list);
      if (!Array.isArray(wanted)) wanted = list.dataset.required === "true" ? [{}] : []; // as the page starts
      while (box.children.length > wanted.length) box.lastElementChild.remove();
      renumber(list);
      while (box.children.length < wanted.length) addItem(list);
      Array.from(box.children).forEach((item, i) => {
        item.querySelectorAll("[data-field]").forEach((el) => setControl(el, (wanted[i] || {})[el.dataset.field]));
      });
    });
    const choice = form.querySelector("[data-frame-choice]");
    if (typeof c.frame === "string" && Array.from(choice.options).some((o) => o.value === c.frame)) choice.value = c.frame;
  }

  let restoring = false;
  function remember() {
    try { sessionStorage.setItem(STORE, JSON.stringify(snapshot())); } catch (e) { /* storage off: nothing kept */ }
  }
  function forget() {
    if (restoring) return;
    try { sessionStorage.removeItem(STORE); } catch (e) { /* storage off */ }
  }
  function remembered() {
    try { const s = sessionStorage.getItem(STORE); return s ? JSON.parse(s) : null; } catch (e) { return null; }
  }
  form.addEventListener("input", remember);
  form.addEventListener("change", remember);

  const loadStatus = document.getElementById("load-status");
  document.getElementById("load-case").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    if (!file) return;
    let c = null;
    try { c = JSON.parse(await file.text()); } catch (e) { c = null; }
    const isCase = c && typeof c === "object" && !Array.isArray(c) && !String(c.format || "").startsWith("subsidy-decision");
    if (!isCase) { loadStatus.textContent = T["load.bad"]; loadStatus.setAttribute("role", "alert"); return; }
    loadStatus.removeAttribute("role");
    fill(c);
    remember();
    loadStatus.textContent = T["load.done"];
    await page.refresh();
  });

  // The answers given, as the applicant saw them (label: the text of the choice), under the result:
  // a printed result says what it was decided on.
  function shownValue(el) {
    const kind = el.dataset.kind;
    if (kind === "enum") return el.value === "" ? "" : el.selectedOptions[0].textContent.trim();
    if (kind === "bool" || kind === "enumlist") {
      return Array.from(el.querySelectorAll("input:checked")).map((i) => i.parentElement.textContent.trim()).join(T["list.join"]);
    }
    return el.value.trim();
  }
  function showAnswers() {
    const rows = [];
    const add = (label, value) => { if (value) rows.push([label, value]); };
    const choice = form.querySelector("[data-frame-choice]");
    if (choice.value) add(document.querySelector('label[for="q-frame"]').firstChild.textContent.trim(), choice.selectedOptions[0].textContent);
    form.querySelectorAll(".q[data-q]").forEach((q) => {
      if (!visible(q)) return;
      if (q.classList.contains("list")) {
        q.querySelectorAll(".items > fieldset.item").forEach((item) => { // one row per item: its answers in a line
          const said = Array.from(item.querySelectorAll(".q")).map((f) => [labelText(f), shownValue(f.querySelector("[data-field]"))])
            .filter(([, v]) => v).map(([l, v]) => l + ": " + v);
          add(item.querySelector("legend").textContent, said.join(" ／ "));
        });
        return;
      }
      const el = q.querySelector("[data-path]");
      if (el) add(labelText(q), shownValue(el));
    });
    const box = document.createElement("section");
    box.id = "result-answers";
    box.className = "answers";
    const h = document.createElement("h3");
    h.textContent = T.answers;
    const dl = document.createElement("dl");
    for (const [label, value] of rows) { // each pair in a div: printed in two columns, a pair never split
      const pair = document.createElement("div"), dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = label;
      dd.textContent = value;
      pair.append(dt, dd);
      dl.append(pair);
    }
    box.append(h, dl);
    const tech = document.getElementById("result-tech");
    result.insertBefore(box, tech);
  }

  document.getElementById("download-case").addEventListener("click", () => {
    if (!lastAnswers) return;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([JSON.stringify(lastAnswers, null, 2) + "\n"], { type: "application/json" }));
    a.download = "answers-" + config.year + ".json";
    document.body.appendChild(a);
    a.click();
    a.remove();
  });
  page.hooks.afterResult = () => { lastAnswers = snapshot(); remember(); showAnswers(); };
  page.hooks.onReset = forget;
  page.fill = fill;
  page.snapshot = snapshot;
  const kept = remembered();
  if (kept) { fill(kept); page.refresh(); }
})();
