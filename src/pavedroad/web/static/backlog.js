// The backlog's direct manipulation: sort the table by a header without a round trip (the
// header links sort on the server without this script), and drag a row of the team's own
// order to set its priority (the ↑ ↓ buttons do the same from the keyboard or without JS).
(function () {
  "use strict";

  var table = document.getElementById("backlog-table");
  if (table) {
    var body = table.tBodies[0];
    table.querySelectorAll("thead th[data-key]").forEach(function (th, _, all) {
      var link = th.querySelector("a.sort-link");
      if (!link) return;
      link.setAttribute("role", "button");
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var column = Array.prototype.indexOf.call(th.parentNode.children, th);
        var descending = th.getAttribute("aria-sort") === "ascending";
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = rows.every(function (row) {
          var v = row.cells[column].dataset.value;
          return v === "" || !isNaN(parseFloat(v));
        });
        rows.sort(function (a, b) {
          var x = a.cells[column].dataset.value;
          var y = b.cells[column].dataset.value;
          var order = numeric ? parseFloat(x || "0") - parseFloat(y || "0") : x.localeCompare(y);
          return descending ? -order : order;
        });
        rows.forEach(function (row) {
          body.appendChild(row);
        });
        all.forEach(function (other) {
          other.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var url = new URL(window.location.href);
        url.searchParams.set("sort", (descending ? "-" : "") + th.dataset.key);
        window.history.replaceState(null, "", url);
        var hidden = document.querySelector(".backlog-filter input[name=sort]");
        if (hidden) hidden.value = (descending ? "-" : "") + th.dataset.key;
      });
    });
  }

  var list = document.querySelector("ol.team-order[data-writer=yes]");
  var form = document.getElementById("team-order-form");
  if (!list || !form) return;
  var held = null;

  list.addEventListener("dragstart", function (event) {
    held = event.target.closest && event.target.closest("li[draggable=true]");
    if (!held) return;
    held.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", held.dataset.id);
  });
  list.addEventListener("dragover", function (event) {
    if (!held) return;
    var over = event.target.closest && event.target.closest("li");
    event.preventDefault();
    if (!over || over === held) return;
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    list.insertBefore(held, after ? over.nextSibling : over);
  });
  list.addEventListener("drop", function (event) {
    if (!held) return;
    event.preventDefault();
    var ids = Array.prototype.map.call(list.querySelectorAll("li[data-id]"), function (li) {
      return li.dataset.id;
    });
    form.querySelector("input[name=order]").value = ids.join(",");
    form.querySelector("input[name=id]").value = held.dataset.id;
    form.submit();
  });
  list.addEventListener("dragend", function () {
    if (held) held.classList.remove("dragging");
    held = null;
  });
})();
