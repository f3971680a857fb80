// The roadmap's direct manipulation: drag a card to another lane, see the what-if while it is
// held over the lane (what leaves Now or Next, the budget bar going red), and drop to keep the
// move (the card's own "Move to" form posts it, so the page works the same without a mouse or
// without this script). Plain JS, no framework, nothing fetched but this server's API.
(function () {
  "use strict";
  var board = document.querySelector(".lanes");
  var box = document.getElementById("drag-whatif");
  if (!board || !box) return;
  var asOf = board.getAttribute("data-as-of") || "";
  var held = null; // the card being dragged
  var over = null; // the lane it is held over
  var answers = {}; // what-if answers by "title|lane", asked once per drag target
  var asked = 0;
  var saving = false;

  var LANE_NAMES = { now: "Now", next: "Next", later: "Later", exploring: "Exploring" };

  function fmt(value) {
    return (Math.round(value * 10) / 10).toString();
  }

  function clearPreview() {
    board.querySelectorAll(".use-row.preview").forEach(function (row) {
      row.classList.remove("preview");
      row.classList.toggle("over", parseFloat(row.dataset.used) > parseFloat(row.dataset.available) + 0.0001);
      var fill = row.querySelector(".use-fill");
      var budget = row.querySelector(".use-budget");
      if (fill && row.dataset.fillWidth !== undefined) fill.style.width = row.dataset.fillWidth;
      if (budget && row.dataset.budgetWidth !== undefined) budget.style.width = row.dataset.budgetWidth;
      var text = row.querySelector(".use-text");
      if (text && row.dataset.text !== undefined) text.textContent = row.dataset.text;
    });
    board.querySelectorAll(".lane.drop-target").forEach(function (lane) {
      lane.classList.remove("drop-target");
    });
  }

  // The lane's budget bar for the card's category as it would be with the card in it.
  function previewBudget(lane, card) {
    var row = lane.querySelector('.use-row[data-category="' + card.dataset.category + '"]');
    if (!row) return null;
    var used = parseFloat(row.dataset.used) + parseFloat(card.dataset.effort);
    var available = parseFloat(row.dataset.available);
    var fill = row.querySelector(".use-fill");
    var budget = row.querySelector(".use-budget");
    var text = row.querySelector(".use-text");
    if (row.dataset.fillWidth === undefined) {
      row.dataset.fillWidth = fill ? fill.style.width : "";
      row.dataset.budgetWidth = budget ? budget.style.width : "";
      row.dataset.text = text ? text.textContent : "";
    }
    var scale = Math.max(used, available, 0.0001);
    if (fill) fill.style.width = (100 * used / scale).toFixed(1) + "%";
    if (budget) budget.style.width = (100 * available / scale).toFixed(1) + "%";
    if (text) text.textContent = fmt(used) + " / " + fmt(available) + " pm";
    row.classList.add("preview");
    row.classList.toggle("over", used > available + 0.0001);
    return { used: used, available: available };
  }

  function say(parts) {
    box.replaceChildren();
    parts.forEach(function (part) {
      var p = document.createElement("p");
      if (part.strong) {
        var s = document.createElement("strong");
        s.textContent = part.strong;
        p.appendChild(s);
        p.appendChild(document.createTextNode(" "));
      }
      p.appendChild(document.createTextNode(part.text || ""));
      if (part.bad) p.className = "bad";
      box.appendChild(p);
    });
    box.hidden = false;
  }

  function describe(card, lane, answer) {
    var label = lane.dataset.label;
    var parts = [{ strong: card.dataset.title + " → " + label + (answer ? " (" + answer.quarter + ")" : ""), text: "" }];
    if (!answer) {
      var from = card.dataset.lane;
      if (from === "now" || from === "next") {
        parts.push({ text: "Leaves " + (from === "now" ? "Now" : "Next") + ": frees " + fmt(parseFloat(card.dataset.effort)) + " person-months of " + card.dataset.category + " budget." });
      } else {
        parts.push({ text: "No quarter's budget is used in " + label + "." });
      }
      return parts;
    }
    if (answer.displaced.length === 0) {
      parts.push({ text: "It pushes nothing out: " + label + " has room for it." });
    } else {
      var names = answer.displaced.map(function (d) {
        return d.title + " (" + LANE_NAMES[d.from_lane] + " → " + LANE_NAMES[d.to_lane] + ")";
      });
      parts.push({ bad: true, text: "Pushes out: " + names.join(", ") + ". " + fmt(answer.reach_waiting) + " developers per quarter wait." });
    }
    answer.goals_at_risk.forEach(function (g) {
      parts.push({ bad: true, text: "Goal at risk: " + g.title + "." });
    });
    if (answer.over_budget > 0) {
      parts.push({ bad: true, text: label + " would be " + fmt(answer.over_budget) + " person-months over its " + answer.category + " budget." });
    }
    parts.push({ text: "Drop to keep the move; Escape or drop elsewhere to leave it." });
    return parts;
  }

  function whatIf(card, lane) {
    var target = lane.dataset.lane;
    if (target !== "now" && target !== "next") {
      say(describe(card, lane, null));
      return;
    }
    var key = card.dataset.title + "|" + target;
    if (answers[key]) {
      say(describe(card, lane, answers[key]));
      return;
    }
    say([{ strong: card.dataset.title + " → " + lane.dataset.label, text: "asking the what-if…" }]);
    var query = "add=" + encodeURIComponent(card.dataset.title) + "&lane=" + target;
    if (asOf) query += "&as_of=" + encodeURIComponent(asOf);
    var mine = ++asked;
    fetch("/api/v1/roadmap/whatif?" + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("what-if answered " + response.status);
        return response.json();
      })
      .then(function (answer) {
        answers[key] = answer;
        if (mine === asked && held === card && over === lane) say(describe(card, lane, answer));
      })
      .catch(function () {
        if (mine === asked) say([{ text: "The what-if could not be asked; drop to move anyway." }]);
      });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".lane-card[draggable=true]");
    if (!card) return;
    held = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.title);
  });

  board.addEventListener("dragover", function (event) {
    if (!held) return;
    var lane = event.target.closest && event.target.closest(".lane");
    if (!lane) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (lane === over) return;
    clearPreview();
    over = lane;
    if (lane.dataset.lane === held.dataset.lane) {
      box.hidden = true;
      return;
    }
    lane.classList.add("drop-target");
    previewBudget(lane, held);
    whatIf(held, lane);
  });

  board.addEventListener("drop", function (event) {
    if (!held) return;
    var lane = event.target.closest && event.target.closest(".lane");
    event.preventDefault();
    var card = held;
    if (lane && lane.dataset.lane !== card.dataset.lane) {
      var form = card.querySelector("form.card-move");
      form.querySelector("select[name=lane]").value = lane.dataset.lane;
      lane.appendChild(card);
      box.replaceChildren();
      saving = true;
      say([{ strong: card.dataset.title + " → " + lane.dataset.label, text: "saving…" }]);
      form.submit();
    }
  });

  function endDrag() {
    if (held) held.classList.remove("dragging");
    held = null;
    over = null;
    clearPreview();
  }

  board.addEventListener("dragend", function () {
    endDrag();
    if (!saving) box.hidden = true;
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && held) {
      endDrag();
      box.hidden = true;
    }
  });
})();
