// @ts-check
// DOM rendering: face boxes over the photo, the top-k bar chart and the model card. Text only ever
// goes in through textContent, and positions through the CSSOM (allowed by a strict CSP, unlike
// style attributes).

/** @typedef {import("./api.js").Prediction} Prediction */
/** @typedef {import("./api.js").Face} Face */

const percentFormat = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });

/**
 * A 0–1 score as a percentage, e.g. 0.9731 → "97.3%".
 * @param {number} score
 */
export function percent(score) {
  return percentFormat.format(score);
}

/**
 * Create an element with a class and text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * How a face is named on its box: "Ada 97.3%", or "unknown" for a stranger.
 * @param {Face} face
 */
export function faceTag(face) {
  return face.label === "unknown" ? "unknown" : `${face.label} ${percent(face.score)}`;
}

/**
 * Spoken description of a face for its button.
 * @param {Face} face
 * @param {number} index
 * @param {number} count
 */
export function faceDescription(face, index, count) {
  const who =
    face.label === "unknown"
      ? `unknown person${face.predictions[0] ? `, closest match ${face.predictions[0].label} ${percent(face.predictions[0].score)}` : ""}`
      : `${face.label}, ${percent(face.score)} confidence`;
  return `Face ${index + 1} of ${count}: ${who}`;
}

/**
 * One focusable button per face, positioned by the box fractions over the photo.
 * @param {HTMLElement} layer absolutely positioned over the image, same size
 * @param {Face[]} faces
 * @returns {HTMLButtonElement[]}
 */
export function renderFaceBoxes(layer, faces) {
  layer.replaceChildren();
  return faces.map((face, index) => {
    const button = el("button", face.label === "unknown" ? "face-box unknown" : "face-box");
    button.type = "button";
    button.dataset.index = String(index);
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-label", faceDescription(face, index, faces.length));
    const { left, top, width, height } = clampBox(face.box);
    button.style.left = `${left * 100}%`;
    button.style.top = `${top * 100}%`;
    button.style.width = `${width * 100}%`;
    button.style.height = `${height * 100}%`;
    // Near the top edge the tag would leave the photo, so it goes under the box; on the right
    // half it is aligned to the box's right edge.
    // A box filling the photo (a tight face crop) keeps its tag inside.
    const vertical = top < 0.08 ? (top + height > 0.92 ? " inside" : " below") : "";
    const placement = `${vertical}${left + width / 2 > 0.5 ? " end" : ""}`;
    const tag = el("span", `face-tag${placement}`, faceTag(face));
    tag.setAttribute("aria-hidden", "true");
    button.append(tag);
    layer.append(button);
    return button;
  });
}

/**
 * The list of faces beside the photo (shown when there are several): one button per face, in the
 * answer's order (largest first), named as on its box.
 * @param {HTMLOListElement} list
 * @param {Face[]} faces
 * @returns {HTMLButtonElement[]}
 */
export function renderFaceList(list, faces) {
  return faces.map((face, index) => {
    const item = el("li", face.label === "unknown" ? "face-item unknown" : "face-item");
    const button = el("button", "face-item-button", `${index + 1}. ${faceTag(face)}`);
    button.type = "button";
    button.dataset.index = String(index);
    button.setAttribute("aria-pressed", "false");
    item.append(button);
    list.append(item);
    return button;
  });
}

/**
 * The top-k as horizontal bars: label, bar, percentage. The list is the accessible form; the bars are decoration.
 * @param {HTMLOListElement} list
 * @param {Prediction[]} predictions
 * @param {string} [highlight] label to mark as the chosen one
 */
export function renderBars(list, predictions, highlight) {
  list.replaceChildren(
    ...predictions.map((p) => {
      const item = el("li", p.label === highlight ? "bar chosen" : "bar");
      const track = el("span", "bar-track");
      const fill = el("span", "bar-fill");
      fill.style.width = `${Math.max(0, Math.min(1, p.score)) * 100}%`;
      track.append(fill);
      track.setAttribute("aria-hidden", "true");
      item.append(el("span", "bar-label", p.label), track, el("span", "bar-value", percent(p.score)));
      return item;
    }),
  );
}

/**
 * Fill the model card from GET /model's metadata.
 * @param {HTMLElement} card
 * @param {import("./api.js").ModelInfo} meta metadata.json as the worker validated it
 */
export function renderModel(card, meta) {
  const facts = el("dl", "facts");
  /** @param {string} term @param {string | number | undefined | null} value */
  const fact = (term, value) => {
    if (value === undefined || value === null || value === "") return;
    facts.append(el("dt", undefined, term), el("dd", undefined, String(value)));
  };
  const metrics = meta.metrics ?? {};
  fact("Name", meta.name);
  fact("Version", meta.version);
  fact("Kind", meta.pipeline === "face" ? "Face recognition" : "Whole-photo classifier");
  fact("Architecture", meta.architecture);
  fact(
    "Validation accuracy",
    typeof metrics.valAccuracy === "number" ? percent(metrics.valAccuracy) : undefined,
  );
  if (typeof metrics.knownAcceptedCorrect === "number") {
    fact("Known faces accepted and correct", percent(metrics.knownAcceptedCorrect));
  }
  if (typeof metrics.strangersRejected === "number")
    fact("Strangers rejected", percent(metrics.strangersRejected));
  if (meta.face?.rejection) {
    const { kind, threshold } = meta.face.rejection;
    fact(
      "Unknown when",
      kind === "distance" ? `distance > ${threshold}` : `confidence < ${percent(threshold)}`,
    );
  }
  if (meta.dataset) fact("Trained on", `${meta.dataset.images} photos, ${meta.dataset.classes} classes`);
  if (meta.createdAt) fact("Trained", new Date(meta.createdAt).toLocaleDateString());

  const labels = Array.isArray(meta.labels) ? meta.labels : [];
  const perClass = metrics.perClassAccuracy ?? {};
  const details = el("details", "labels");
  details.append(el("summary", undefined, `${labels.length} labels`));
  const table = el("table");
  const head = el("tr");
  head.append(el("th", undefined, "Label"), el("th", undefined, "Validation accuracy"));
  for (const cell of head.children) cell.setAttribute("scope", "col");
  table.append(
    el("caption", "visually-hidden", "Labels and their validation accuracy"),
    el("thead"),
    el("tbody"),
  );
  table.tHead?.append(head);
  for (const label of labels) {
    const row = el("tr");
    const accuracy = perClass[label];
    row.append(
      el("td", undefined, label),
      el("td", undefined, typeof accuracy === "number" ? percent(accuracy) : "–"),
    );
    table.tBodies[0]?.append(row);
  }
  details.append(table);
  card.replaceChildren(facts, details);
}

/**
 * Keep a box inside the photo whatever the server sent.
 * @param {import("./api.js").FractionBox} box
 */
function clampBox(box) {
  const left = clamp01(box.left);
  const top = clamp01(box.top);
  return {
    left,
    top,
    width: Math.min(clamp01(box.width), 1 - left),
    height: Math.min(clamp01(box.height), 1 - top),
  };
}

/** @param {number} value */
function clamp01(value) {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
