/* The destruction site: scan the carrier, then each witness's badge; Enter on an empty
   field completes. Every step is one htmx request answered with the site panel. */
(function () {
  "use strict";
  var S = window.custosScanner;
  var input = document.getElementById("scan");
  var panel = document.getElementById("panel");
  var msg = S.messages();
  var carrier = null;
  var place = document.getElementById("site-location");
  function say(text) { S.banner(panel, false, text); }
  var url = "/destruction/site/panel/";
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault();
    // A 2D imager's AIM/GS1 wrapping off, then O for 0 and I or L for 1.
    var text = window.custosCodes.typed(window.custosCodes.clean(input.value));
    input.value = "";
    if (!text) {
      if (!carrier) { say(msg.first); return; }
      htmx.ajax("POST", url, { target: panel, values: { carrier: carrier, step: "destroy", scan_id: S.uuid4(), location: place.value } });
      return;
    }
    var kind = window.custosCodes.kindOf(text);
    if (!kind) { say(text + ": " + msg.bad); return; }
    if (kind === "C") {
      carrier = text;
      htmx.ajax("GET", url + "?carrier=" + encodeURIComponent(text), { target: panel });
    } else if (kind === "L") {
      if (!place.querySelector('option[value="' + text + '"]')) {
        place.insertAdjacentHTML("beforeend", '<option value="' + text + '">' + text + "</option>");
      }
      place.value = text;
    } else if (kind === "P") {
      if (!carrier) { say(msg.first); return; }
      htmx.ajax("POST", url, { target: panel, values: { carrier: carrier, step: "witness", badge: text, scan_id: S.uuid4(), location: place.value } });
    }
  });
  document.addEventListener("click", function (e) { if (!e.target.closest("a, button, select")) input.focus(); });
  document.body.addEventListener("htmx:afterSwap", function () {
    // The server's answer sounds as at the desk: a chirp when recorded, a buzz when refused.
    var answer = panel.querySelector(".banner[data-ok]");
    if (answer) S.beep(answer.dataset.ok === "1");
    input.focus();
  });
  input.focus();
})();
