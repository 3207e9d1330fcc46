// The self-check page: reads the answers the generated form holds, sends them to this server and
// shows the result. Nothing is loaded from anywhere else. Amounts accept full-width digits,
// commas, 円, 万 and 億 ("１００万円", "62.5万", "1億2,000万"), converted exactly (BigInt).
// On every change it asks /page/relevant which questions can still change the result (given the
// answers before them) and hides the others; a hidden question keeps its value, is not submitted,
// and comes back as it was when an answer changes back. Without that route (an older server) it
// falls back to hiding the questions only other frames read, and submits to /page/result.
// What the page keeps, loads and lists of the answers is page-record.js's.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("config").textContent);
  const T = config.text;
  const form = document.getElementById("check");
  const result = document.getElementById("result");
  const errorsBox = document.getElementById("form-errors");
  let lastCase = null;
  // page-record.js (answers kept in the tab, loaded from a file, listed under the result) sets these
  const hooks = { afterResult() {}, onReset() {} };
  let pruning = true; // false once the server turns out not to have /page/relevant

  function halfWidth(s) {
    return s.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xFEE0)).replace(/\u3000/g, " ");
  }

  // "62.5万" -> 625000n exactly; an error message otherwise.
  function scaled(text, zeros) {
    const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
    if (!m) return null;
    const frac = m[2] || "";
    if (frac.length > zeros && /[1-9]/.test(frac.slice(zeros))) return { error: T["bad.fraction"] };
    return { value: BigInt(m[1] + (frac + "0".repeat(zeros)).slice(0, zeros)) };
  }

  // signed: an amount declared `signed` (a loss) may start with -, −, ▲ or △ ("▲20万円" is -200000)
  function parseYen(raw, signed) {
    let s = halfWidth(raw).replace(/[,\s、]/g, "").replace(/円$/, "");
    if (s === "") return { empty: true };
    let sign = 1n;
    if (signed && /^[-\u2212\u25B2\u25B3]/.test(s)) { sign = -1n; s = s.slice(1); }
    const m = /^(?:([\d.]+)億)?(?:([\d.]+)万)?([\d.]+)?$/.exec(s);
    if (!m || !(m[1] || m[2] || m[3])) return { error: T["bad.amount"] };
    let total = 0n;
    for (const [part, zeros] of [[m[1], 8], [m[2], 4], [m[3], 0]]) {
      if (!part) continue;
      const v = scaled(part, zeros);
      if (v === null) return { error: T["bad.amount"] };
      if (v.error) return v;
      total += v.value;
    }
    return { value: Number(sign * total) };
  }

  function parseCount(raw) {
    const s = halfWidth(raw).replace(/[,\s]/g, "").replace(/(人|者|件|か月|ヶ月)$/, "");
    if (s === "") return { empty: true };
    if (!/^\d+$/.test(s)) return { error: T["bad.number"] };
    return { value: Number(s) };
  }

  function visible(el) {
    for (let n = el; n && n !== form; n = n.parentElement) if (n.hidden) return false;
    return true;
  }

  // quiet: reading for /page/relevant while the applicant is still typing (no reformatting)
  function readControl(el, problems, quiet) {
    const kind = el.dataset.kind;
    const required = el.hasAttribute("required");
    if (kind === "enum") return el.value === "" ? undefined : el.value;
    if (kind === "bool") {
      const on = el.querySelector("input:checked");
      return on ? on.value === "true" : undefined;
    }
    if (kind === "enumlist") {
      const vals = Array.from(el.querySelectorAll("input:checked")).map((i) => i.value);
      return vals.length || required ? vals : undefined;
    }
    const raw = el.value.trim();
    if (kind === "yen" || kind === "count") {
      const r = kind === "yen" ? parseYen(raw, el.dataset.signed === "true") : parseCount(raw);
      if (r.error) { problems.push([el, r.error]); return undefined; }
      if (!r.empty && !quiet) el.value = kind === "yen" ? r.value.toLocaleString("ja-JP") : String(r.value);
      return r.empty ? undefined : r.value;
    }
    if (kind === "ratio") return raw === "" ? undefined : halfWidth(raw).replace(/\s/g, "");
    return raw === "" ? undefined : raw; // date
  }

  function put(obj, path, value) {
    const keys = path.split(".");
    let o = obj;
    for (const k of keys.slice(0, -1)) o = o[k] = o[k] || {};
    o[keys[keys.length - 1]] = value;
  }

  // every: all answers, hidden ones included (for /page/relevant only; a submitted case has the shown ones)
  function buildCase(every) {
    const c = {}, problems = [];
    form.querySelectorAll("[data-path]").forEach((el) => {
      if (el.closest("template") || el.closest(".list") || (!every && !visible(el))) return;
      const v = readControl(el, problems, every);
      if (v !== undefined) put(c, el.dataset.path, v);
    });
    form.querySelectorAll(".list[data-list]").forEach((list) => {
      if (!every && !visible(list)) return;
      const items = Array.from(list.querySelectorAll(".items > fieldset.item")).map((item) => {
        const o = {};
        item.querySelectorAll("[data-field]").forEach((el) => {
          const v = readControl(el, problems, every);
          if (v !== undefined) o[el.dataset.field] = v;
        });
        return o;
      });
      if (items.length || list.dataset.required === "true") put(c, list.dataset.list, items);
    });
    const frame = form.querySelector("[data-frame-choice]").value;
    if (frame) c.frame = frame;
    return { c, problems };
  }

  function renumber(list) {
    const label = list.dataset.itemLabel;
    list.querySelectorAll(".items > fieldset.item").forEach((item, i) => {
      item.querySelector("legend").textContent = T.item.replace("{label}", label).replace("{n}", i + 1);
      item.querySelectorAll("[id],[for],[aria-describedby],[data-path],[name]").forEach((el) => {
        for (const attr of ["id", "for", "aria-describedby", "data-path", "name"]) {
          const v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(/\[(#|\d+)\]/g, "[" + i + "]"));
        }
      });
    });
  }

  function addItem(list) {
    const item = document.createElement("fieldset");
    item.className = "item";
    item.appendChild(document.createElement("legend"));
    item.appendChild(list.querySelector("template").content.cloneNode(true));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.textContent = list.dataset.removeLabel;
    remove.addEventListener("click", () => { item.remove(); renumber(list); refresh(); });
    item.appendChild(remove);
    list.querySelector(".items").appendChild(item);
    renumber(list);
    return item;
  }

  form.querySelectorAll(".list[data-list]").forEach((list) => {
    list.querySelector("button.add").addEventListener("click", () => {
      const item = addItem(list);
      refresh();
      const first = item.querySelector("select,input");
      if (first) first.focus();
    });
    if (list.dataset.required === "true") addItem(list);
  });

  // Groups and stages with no question shown are hidden too (the frame stage keeps its choice).
  function hideEmpty() {
    form.querySelectorAll("fieldset.group, section.stage").forEach((box) => {
      const qs = Array.from(box.querySelectorAll(".q[data-q]"));
      box.hidden = qs.length > 0 && !qs.some((q) => !q.hidden) && !box.querySelector("[data-frame-choice]");
    });
    const chosen = form.querySelector("[data-frame-choice]").value;
    form.querySelectorAll("[data-help-frame]").forEach((p) => { p.hidden = p.dataset.helpFrame !== chosen; });
  }

  function showFrameQuestions() { // the fallback: a question only other frames read is hidden
    const chosen = form.querySelector("[data-frame-choice]").value;
    form.querySelectorAll(".q[data-q]").forEach((q) => {
      q.hidden = chosen !== "" && !q.dataset.frames.split("|").includes(chosen);
    });
    hideEmpty();
  }

  function showAsked(asked) {
    const set = new Set(asked);
    let hidden = 0;
    form.querySelectorAll(".q[data-q]").forEach((q) => {
      q.hidden = !set.has(q.dataset.q);
      hidden += q.hidden ? 1 : 0;
    });
    hideEmpty();
    const note = hidden ? T.pruned.replace("{n}", hidden) : "";
    const status = document.getElementById("pruned");
    if (status.textContent !== note) status.textContent = note; // said once to screen readers (role=status)
  }

  // /page/relevant for the current answers; the newest request wins, and `settled` resolves once
  // the page shows the answer to the newest one (submit waits for it).
  let asking = 0, settled = Promise.resolve();
  function refresh() {
    if (!pruning) { showFrameQuestions(); return settled; }
    const mine = ++asking;
    const { c } = buildCase(true);
    form.setAttribute("aria-busy", "true");
    settled = post("/page/relevant" + query(), c).then(async (response) => {
      if (response.status === 404 || response.status === 405) { pruning = false; showFrameQuestions(); return; }
      if (!response.ok || mine !== asking) return;
      const body = await response.json();
      if (mine === asking) showAsked(body.asked);
    }).catch(() => {}).finally(() => { if (mine === asking) form.removeAttribute("aria-busy"); });
    return settled;
  }
  form.addEventListener("change", () => refresh());

  function labelText(box) {
    const el = box.querySelector(":scope > label, :scope > fieldset > legend, :scope > legend, :scope > h3");
    if (!el) return "";
    const copy = el.cloneNode(true);
    copy.querySelectorAll(".mark").forEach((m) => m.remove());
    return copy.textContent.trim();
  }
  function clearErrors() {
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    form.querySelectorAll(".err").forEach((el) => { el.textContent = ""; el.removeAttribute("role"); });
    errorsBox.hidden = true;
    errorsBox.querySelector("ul").innerHTML = "";
  }

  // A field named as the applicant reads it: the question's label (「経費の明細 1 金額（税抜）」), not its path.
  function questionName(field, el) {
    const box = el ? el.closest(".q") : null;
    if (!box) return field;
    const item = el.closest("fieldset.item");
    const name = labelText(box) || field;
    return item ? item.querySelector("legend").textContent + " " + name : name;
  }

  function showErrors(list) {
    const ul = errorsBox.querySelector("ul");
    let first = null;
    for (const [field, message] of list) {
      const el = field ? document.getElementById("q-" + field) : null;
      const li = document.createElement("li");
      li.textContent = field ? questionName(field, el) + ": " + message : message;
      ul.appendChild(li);
      if (el) {
        el.setAttribute("aria-invalid", "true");
        const err = document.getElementById("e-q-" + field);
        if (err) { err.textContent = message; err.setAttribute("role", "alert"); }
        first = first || el;
      }
    }
    errorsBox.hidden = false;
    (first || errorsBox).focus && (first || errorsBox).focus();
  }

  function query(extra) {
    const p = new URLSearchParams({ lang: config.lang, year: config.year, ...(extra || {}) });
    return "?" + p.toString();
  }

  async function post(url, body) {
    return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors();
    await refresh(); // the questions shown are those the answers call for
    const { c, problems } = buildCase(false);
    if (problems.length) {
      showErrors(problems.map(([el, m]) => [el.id.replace(/^q-/, ""), m]));
      return;
    }
    result.textContent = T.working;
    const response = await post((pruning ? "/page/check" : "/page/result") + query(), c);
    if (!response.ok) {
      result.textContent = "";
      let body = null;
      try { body = await response.json(); } catch (e) { body = { errors: [{ field: null, message: T.failed + " (" + response.status + ")" }] }; }
      showErrors(body.errors.map((e) => [e.field, e.message]));
      document.getElementById("downloads").hidden = true;
      return;
    }
    result.innerHTML = await response.text();
    hooks.afterResult();
    // the placeholders /page/check decided required questions not asked with: the downloads are this decision
    const filled = document.getElementById("result-filled");
    if (filled) for (const [path, value] of Object.entries(JSON.parse(filled.textContent))) put(c, path, value);
    lastCase = c;
    document.getElementById("downloads").hidden = false;
    result.focus();
  });

  document.getElementById("reset").addEventListener("click", (ev) => {
    if (!window.confirm(T["reset.confirm"])) ev.preventDefault();
  });

  form.addEventListener("reset", () => {
    hooks.onReset();
    clearErrors();
    result.innerHTML = "";
    document.getElementById("downloads").hidden = true;
    setTimeout(refresh, 0);
  });

  async function download(url, name, type) {
    if (!lastCase) return;
    const response = await post(url, lastCase); // 200 also when questions were not asked (placeholders added)
    const blob = new Blob([await response.text()], { type });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }
  document.getElementById("download-json").addEventListener("click", () => {
    const id = (document.getElementById("decision-id") || {}).textContent || "decision";
    download("/v1/decide" + query({ trace: "true" }), id + ".json", "application/json");
  });
  document.getElementById("download-html").addEventListener("click", () => {
    const id = (document.getElementById("decision-id") || {}).textContent || "decision";
    download("/v1/explain" + query(), id + ".html", "text/html");
  });

  window.policyPage = { parseYen, parseCount, buildCase, refresh, lastCase: () => lastCase, hooks,
                        internals: { config, T, form, result, put, addItem, renumber, visible, labelText } };
  refresh();
})();
