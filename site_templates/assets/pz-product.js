// Product pages: the citation's Copy button. Text is copied as text, never parsed as HTML.
(function () {
  "use strict";
  function init() {
    document.querySelectorAll("button.pz-copy[data-target]").forEach(function (button) {
      if (button.dataset.pzReady) return;
      button.dataset.pzReady = "1";
      button.addEventListener("click", function () {
        var source = document.getElementById(button.dataset.target);
        if (!source || !navigator.clipboard) return;
        navigator.clipboard.writeText(source.textContent || "").then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 1500);
        });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(init);
})();
