/* Draws every chart of the page from its Vega-Lite spec (in a JSON script tag) with vega-embed, in
 * the reader's number format (Vietnamese: 85,15%). Without JavaScript the data tables remain. */
(function () {
  "use strict";
  function draw() {
    if (!window.vegaEmbed) { return; }
    var localeNode = document.getElementById("vega-format-locale");
    var locale = localeNode ? JSON.parse(localeNode.textContent) : undefined;
    document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
      var specNode = document.getElementById(figure.dataset.spec);
      var view = figure.querySelector(".chart-view");
      if (!specNode || !view) { return; }
      var spec = JSON.parse(specNode.textContent);
      // The figure's caption already names the chart (the title stays in the spec for PDF images).
      delete spec.title;
      // Bars fit the page's width on a phone; a heatmap keeps its cells and scrolls sideways.
      if (typeof spec.width === "number" && view.clientWidth && view.clientWidth < spec.width + 280) {
        spec.width = "container";
        spec.autosize = { type: "fit-x", contains: "padding" };
        // Long criterion and unit names are cut shorter, so the bars keep most of the width.
        var config = spec.config || {};
        spec.config = Object.assign({}, config, {
          axis: Object.assign({}, config.axis || {}, { labelLimit: Math.max(90, Math.round(view.clientWidth * 0.38)) })
        });
      }
      window.vegaEmbed(view, spec, { actions: false, renderer: "svg", formatLocale: locale })
        .then(function () { figure.classList.add("drawn"); })
        .catch(function (error) { figure.classList.add("failed"); if (window.console) { console.error(error); } });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
