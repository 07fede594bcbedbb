// The dashboard's "show a carrier's timeline" box: go straight to /carriers/<code>/.
// A file rather than an inline onsubmit, so the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var form = document.getElementById("timeline-go");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var code = window.custosCodes ? window.custosCodes.typed(form.elements.code.value) : form.elements.code.value.trim().toUpperCase();
    if (code) window.location.href = "/carriers/" + encodeURIComponent(code) + "/";
  });
})();
