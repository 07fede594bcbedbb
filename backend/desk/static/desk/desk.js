/* The handover desk: one always-focused input that takes wedge-scanner codes (ending in
   Enter) and a few keys, so a clerk never needs the mouse.

   The handover being assembled lives in sessionStorage: a reload keeps the carriers and
   their scan ids, so confirming again after a reload resends the same ids and the ledger
   answers "duplicate" instead of recording twice.

   What a scan needs (a receiver, a due time, an escort for which levels) is not decided
   here: the server renders the lifecycle table's answer into #lifecycle-needs and this
   page only reads it. */
(function () {
  "use strict";
  var S = window.custosScanner;
  var KEY = "custos.desk.handover";
  var form = document.getElementById("handover");
  var input = document.getElementById("scan");
  var banner = document.getElementById("banner");
  var list = document.getElementById("carriers");
  var empty = document.getElementById("carriers-empty");
  var hidden = document.getElementById("hidden-scans");
  var radios = Array.prototype.slice.call(form.querySelectorAll("input[name=action]"));
  var locationSelect = document.getElementById("location");
  var due = document.getElementById("due_at");
  var expect = document.getElementById("expect");
  var escortSlot = document.getElementById("escort-slot");
  var rules = JSON.parse(document.getElementById("lifecycle-needs").textContent);
  var levels = {};  // carrier code → level, asked of the server once per code
  var msg = S.messages();
  var state = load();
  var sentAt = 0;
  var lastOkAt = 0;

  function load() {
    try {
      var s = JSON.parse(sessionStorage.getItem(KEY));
      if (s && Array.isArray(s.carriers)) return s;
    } catch (e) { /* a damaged entry: start afresh */ }
    return { action: null, carriers: [], counterpart: "", escort: "", host: "", location: null };
  }
  function save() { sessionStorage.setItem(KEY, JSON.stringify(state)); }

  function actionRadio() { return radios.filter(function (r) { return r.checked; })[0]; }
  function rule() { var r = actionRadio(); return r ? rules[r.value] || null : null; }
  // The escort slot exists only while the lifecycle asks for one: an action whose row
  // names escort levels, with a carrier of such a level in this handover.
  function wantsEscort() {
    var x = rule();
    if (!x || !x.escort.length) return false;
    return state.carriers.some(function (c) { return x.escort.indexOf(levels[c.code]) >= 0; });
  }
  // install_storage: the first carrier scanned is the device the others go into.
  function wantsHost() { var x = rule(); return !!(x && x.host); }
  function expectation() {
    var x = rule();
    if (wantsHost() && !state.host) return msg.want_host;
    if (!state.carriers.length) return msg.want_carrier;
    if (x && x.receiver === "required" && !state.counterpart) return msg.want_receiver;
    if (wantsEscort() && !state.escort) return msg.want_escort;
    return msg.want_confirm;
  }
  function askLevel(code) {
    if (levels[code] !== undefined) return;
    levels[code] = "";
    fetch("/desk/carrier/" + encodeURIComponent(code) + "/", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { level: "" }; })
      .then(function (d) { levels[code] = d.level; render(); });
  }

  function render() {
    if (state.action) radios.forEach(function (r) { r.checked = r.value === state.action; });
    if (state.location) locationSelect.value = state.location;
    var r = actionRadio();
    state.action = r ? r.value : null;
    form.dataset.action = state.action || "";
    var x = rule();
    due.disabled = !(x && x.due);
    var escort = wantsEscort();
    // Until every carrier's level is known (just after a reload) an escort already scanned stays.
    var known = state.carriers.every(function (c) { return levels[c.code]; });
    if (!escort && known) state.escort = "";
    escortSlot.hidden = !(escort || state.escort);
    if (!wantsHost()) state.host = "";
    document.getElementById("host-slot").hidden = !wantsHost();
    document.getElementById("host-view").textContent = state.host || "—";
    document.getElementById("host").value = state.host || "";
    list.innerHTML = "";
    hidden.innerHTML = "";
    state.carriers.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = c.code;
      li.dataset.code = c.code;
      list.appendChild(li);
      hidden.insertAdjacentHTML("beforeend",
        '<input type="hidden" name="carrier" value="' + c.code + '">' +
        '<input type="hidden" name="scan_id" value="' + c.id + '">');
    });
    document.getElementById("count").textContent = state.carriers.length;
    empty.hidden = state.carriers.length > 0;
    document.getElementById("counterpart").value = state.counterpart;
    document.getElementById("escort").value = state.escort;
    showBadge("receiver-view", state.counterpart);
    showBadge("escort-view", state.escort);
    state.carriers.forEach(function (c) { askLevel(c.code); });
    expect.textContent = expectation();
    save();
  }

  var names = {};
  function showBadge(id, code) {
    var el = document.getElementById(id);
    if (!code) { el.textContent = "—"; return; }
    el.textContent = code + (names[code] ? " · " + names[code] : "");
    if (names[code] === undefined) {
      names[code] = "";
      fetch("/desk/badge/" + encodeURIComponent(code) + "/", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (name) { names[code] = name; render(); });
    }
  }

  function local(ok, text) { S.banner(banner, ok, text); }

  function chooseAction(n) {
    var r = radios[n - 1] || radios.filter(function (x) { return x.value === n; })[0];
    if (!r) return false;
    state.action = r.value;
    render();
    local(true, msg.action + ": " + r.parentNode.textContent.trim());
    return true;
  }

  function confirm() {
    if (!state.carriers.length) {
      // A double Enter just after a recorded handover is an echo, not a new request.
      if (Date.now() - lastOkAt < 1500) return;
      local(false, msg.empty);
      return;
    }
    var r = actionRadio();
    var x = rule();
    if (x && x.receiver === "required" && !state.counterpart) { local(false, msg.receiver); return; }
    sentAt = performance.now();
    htmx.trigger(form, "submit");
  }

  function take(raw) {
    var text = window.custosCodes.clean(raw);
    if (!text) { confirm(); return; }
    if (/^(?:[1-9]|1[01])$/.test(text)) { chooseAction(parseInt(text, 10)); return; }
    if (radios.some(function (r) { return r.value.toUpperCase() === text; })) { chooseAction(text.toLowerCase()); return; }
    var kind = window.custosCodes.kindOf(text);
    if (!kind) { local(false, text + ": " + msg.bad); return; }
    if (kind === "C" && wantsHost() && !state.host) {
      state.host = text;
    } else if (kind === "C") {
      if (text === state.host || state.carriers.some(function (c) { return c.code === text; })) {
        local(true, text + " — " + msg.dup);
      } else {
        state.carriers.push({ code: text, id: S.uuid4() });
        banner.innerHTML = "";
      }
    } else if (kind === "P") {
      // The first badge is the receiver (or, where no one receives, the person named with
      // the scan); a second one is the escort only where the lifecycle asks for one.
      if (state.counterpart && wantsEscort() && !state.escort && text !== state.counterpart) {
        state.escort = text;
      } else {
        state.counterpart = text;
      }
    } else if (kind === "L") {
      if (!locationSelect.querySelector('option[value="' + text + '"]')) {
        locationSelect.insertAdjacentHTML("beforeend", '<option value="' + text + '">' + text + "</option>");
      }
      state.location = text;
      locationSelect.value = text;
    }
    render();
  }

  function clearAll() {
    state.carriers = []; state.counterpart = ""; state.escort = ""; state.host = "";
    render();
    banner.innerHTML = "";
  }

  S.onScan(input, take, clearAll);
  radios.forEach(function (r) { r.addEventListener("change", function () { state.action = r.value; render(); input.focus(); }); });
  locationSelect.addEventListener("change", function () { state.location = locationSelect.value; save(); });
  document.getElementById("confirm").addEventListener("click", function () { confirm(); input.focus(); });
  document.getElementById("clear").addEventListener("click", function () { clearAll(); input.focus(); });
  // The input keeps focus: anything that takes it (a click on the page) gives it back,
  // except the few fields a clerk may set by hand (location, due date).
  S.keepFocus(input, "select, input[type=datetime-local], button");

  // The desk keeps the last receipts (seq and hash of each recorded scan) in the browser,
  // so the ledger's answer at this desk outlives anything done to the database later.
  function keepReceipts(nodes) {
    if (!nodes.length) return;
    var kept = [];
    try { kept = JSON.parse(localStorage.getItem("custos.receipts") || "[]"); } catch (err) { kept = []; }
    nodes.forEach(function (n) {
      kept.push({ id: n.dataset.id, carrier: n.dataset.carrier, seq: +n.dataset.seq, hash: n.dataset.hash });
    });
    try { localStorage.setItem("custos.receipts", JSON.stringify(kept.slice(-500))); } catch (err) { /* full or off */ }
  }

  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target !== banner) return;
    var div = banner.querySelector(".banner");
    var ok = div && div.dataset.ok === "1";
    var keep = div && div.dataset.keep ? div.dataset.keep.split(" ") : [];
    var drop = div && div.dataset.drop ? div.dataset.drop.split(" ") : [];
    keepReceipts(banner.querySelectorAll(".receipt"));
    if (ok) {
      lastOkAt = Date.now();
      state.carriers = []; state.counterpart = ""; state.escort = ""; state.host = "";
    } else {
      // Keep what was refused, with fresh ids, so the clerk can fix it and confirm again.
      state.carriers = state.carriers.filter(function (c) { return keep.indexOf(c.code) >= 0; })
        .map(function (c) { return { code: c.code, id: S.uuid4() }; });
      // A badge the refusal named leaves its slot: the next badge scanned takes its place.
      if (drop.indexOf(state.counterpart) >= 0) state.counterpart = "";
      if (drop.indexOf(state.escort) >= 0) state.escort = "";
    }
    render();
    S.beep(ok);
    window.custosDesk.lastMs = performance.now() - sentAt;
    document.body.dataset.answered = String((+document.body.dataset.answered || 0) + 1);
    input.focus();
  });
  document.body.addEventListener("htmx:sendError", function () { local(false, "⚠ network"); });

  window.custosDesk = { lastMs: null, state: function () { return state; } };
  render();
  input.focus();
})();
