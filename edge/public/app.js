// @ts-check
// The page's wiring: pick / drop / paste / camera → shrink if needed → POST /predict → boxes and
// bars. Only the newest upload counts; an older one still in flight is cancelled.
import { ApiError, fetchLimits, fetchModel, predict } from "./api.js";
import { prepareUpload } from "./prepare-image.js";
import {
  el,
  faceDescription,
  faceTag,
  percent,
  renderBars,
  renderFaceBoxes,
  renderFaceList,
  renderModel,
} from "./render.js";

/** @typedef {import("./api.js").PredictResult} PredictResult */
/** @typedef {import("./api.js").Face} Face */

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The page lacks #${id}.`);
  return /** @type {T} */ (node);
}

// After a 413, shrink to half the bytes and pixels and retry, at most this many times.
const MAX_SHRINK_RETRIES = 3;
// Per tab only (sessionStorage): a key typed on a shared computer is gone when the tab closes.
const KEY_STORAGE = "marquee-api-key";

const ui = {
  dropZone: byId("drop-zone"),
  chooseButton: /** @type {HTMLButtonElement} */ (byId("choose-button")),
  cameraButton: /** @type {HTMLButtonElement} */ (byId("camera-button")),
  fileInput: /** @type {HTMLInputElement} */ (byId("file-input")),
  cameraInput: /** @type {HTMLInputElement} */ (byId("camera-input")),
  keyForm: /** @type {HTMLFormElement} */ (byId("key-form")),
  keyInput: /** @type {HTMLInputElement} */ (byId("key-input")),
  status: byId("status"),
  error: byId("error"),
  errorTitle: byId("error-title"),
  errorDetail: byId("error-detail"),
  result: byId("result"),
  photo: /** @type {HTMLImageElement} */ (byId("photo")),
  boxes: byId("boxes"),
  faceListPanel: byId("face-list-panel"),
  faceList: /** @type {HTMLOListElement} */ (byId("face-list")),
  caption: byId("photo-caption"),
  chart: byId("chart"),
  chartHeading: byId("chart-heading"),
  chartNote: byId("chart-note"),
  bars: /** @type {HTMLOListElement} */ (byId("bars")),
  modelCard: byId("model-card"),
};

const state = {
  limits: fetchLimits(),
  /** @type {Face[]} */
  faces: [],
  /** @type {HTMLButtonElement[]} */
  faceButtons: [],
  /** @type {HTMLButtonElement[]} the same faces in the list beside the photo */
  faceListButtons: [],
  /** @type {Blob | null} kept so a retry after entering an API key needs no re-pick */
  lastFile: null,
  /** @type {AbortController | null} */
  inFlight: null,
  /** @type {string | null} */
  photoUrl: null,
  apiKey: readStoredKey(),
  upload: 0,
};

/** The API key entered earlier in this tab, if any. */
function readStoredKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return "";
  }
}

/** @param {Blob} file */
async function handleFile(file) {
  const upload = ++state.upload;
  state.inFlight?.abort();
  const controller = new AbortController();
  state.inFlight = controller;
  state.lastFile = file;
  hideError();
  ui.keyForm.hidden = true;
  setStatus("Preparing the photo…");
  ui.result.setAttribute("aria-busy", "true");
  try {
    let limits = await state.limits;
    for (let attempt = 0; ; attempt++) {
      const prepared = await prepareUpload(file, limits);
      if (upload !== state.upload) return;
      if (attempt === 0) showPhoto(prepared.decoded ? prepared.blob : null);
      setStatus(prepared.resized ? `Shrunk to ${prepared.width}×${prepared.height}. Looking…` : "Looking…");
      try {
        const result = await predict(prepared.blob, { apiKey: state.apiKey, signal: controller.signal });
        if (upload !== state.upload) return;
        showResult(result);
        return;
      } catch (err) {
        // The server's limits can be tighter than the page was told: shrink harder and try again.
        const tooLarge = err instanceof ApiError && err.code === "image_too_large";
        if (!tooLarge || !prepared.decoded || attempt >= MAX_SHRINK_RETRIES) throw err;
        limits = halve(limits, prepared);
      }
    }
  } catch (err) {
    if (upload !== state.upload) return;
    showError(err);
  } finally {
    if (upload === state.upload) {
      ui.result.removeAttribute("aria-busy");
      state.inFlight = null;
    }
  }
}

/**
 * Limits half as large as what was just refused.
 * @param {import("./api.js").UploadLimits} limits
 * @param {import("./prepare-image.js").PreparedUpload} sent
 */
function halve(limits, sent) {
  const pixels = (sent.width ?? 0) * (sent.height ?? 0);
  return {
    maxBytes: Math.min(limits.maxBytes, sent.blob.size) / 2,
    maxMegapixels: Math.min(limits.maxMegapixels, pixels / 1e6 || limits.maxMegapixels) / 2,
  };
}

/** @param {Blob | null} blob */
function showPhoto(blob) {
  if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
  state.photoUrl = blob ? URL.createObjectURL(blob) : null;
  state.faces = [];
  state.faceButtons = [];
  state.faceListButtons = [];
  ui.boxes.replaceChildren();
  ui.faceList.replaceChildren();
  ui.faceListPanel.hidden = true;
  ui.result.classList.remove("many-faces");
  ui.chart.hidden = true;
  ui.caption.textContent = "";
  if (!state.photoUrl) {
    ui.result.hidden = true;
    return;
  }
  ui.photo.src = state.photoUrl;
  ui.photo.alt = "Your photo";
  ui.result.hidden = false;
}

/** @param {PredictResult} result */
function showResult(result) {
  const timing = result.timingsMs ? ` Answered in ${Math.round(result.timingsMs.total)} ms.` : "";
  if (Array.isArray(result.faces)) {
    state.faces = result.faces;
    state.faceButtons = renderFaceBoxes(ui.boxes, result.faces);
    state.faceButtons.forEach((button, index) => {
      button.addEventListener("click", () => selectFace(index, false));
      button.addEventListener("keydown", onFaceKeydown);
    });
    const count = result.faces.length;
    // Several faces: a list beside the photo names them all (tags on small boxes overlap); with
    // many, the tags on the boxes are hidden and the list is the way to read the names.
    ui.faceList.replaceChildren();
    state.faceListButtons = count > 1 ? renderFaceList(ui.faceList, result.faces) : [];
    state.faceListButtons.forEach((button, index) => {
      button.addEventListener("click", () => selectFace(index, false));
    });
    ui.faceListPanel.hidden = count <= 1;
    ui.result.classList.toggle("many-faces", count > 8);
    if (count === 0) {
      ui.photo.alt = "Your photo; no face was found in it";
      ui.caption.textContent = "No face found.";
      setStatus(
        result.message ||
          "No face found in this photo. Try one where faces are larger and facing the camera.",
      );
      return;
    }
    const named = result.faces.filter((f) => f.label !== "unknown").length;
    const names =
      count <= 5 ? result.faces.map(faceTag).join(", ") : `${named} named, ${count - named} unknown`;
    const more = result.truncated ? ` More faces were found; these are the ${count} largest.` : "";
    ui.photo.alt = `Your photo, with ${count} ${count === 1 ? "face" : "faces"} marked`;
    ui.caption.textContent = `${count} ${count === 1 ? "face" : "faces"}: ${names}.${more} Select a face to see its top matches.${timing}`;
    setStatus(`Found ${count} ${count === 1 ? "face" : "faces"}: ${names}.${more}`);
    selectFace(0, false, false);
    return;
  }
  // A whole-photo model: the top-level predictions are the answer.
  const top = result.predictions[0];
  ui.chart.hidden = false;
  ui.chartHeading.textContent = "Top predictions for the whole photo";
  ui.chartNote.textContent = "";
  renderBars(ui.bars, result.predictions, top?.label);
  ui.caption.textContent = top ? `Most likely ${top.label} (${percent(top.score)}).${timing}` : timing.trim();
  setStatus(top ? `Most likely ${top.label}, ${percent(top.score)}.` : "The model gave no prediction.");
}

/**
 * Show one face's top-k in the chart and mark its box.
 * @param {number} index
 * @param {boolean} focus move keyboard focus to the box too
 * @param {boolean} [announce]
 */
function selectFace(index, focus, announce = true) {
  const face = state.faces[index];
  if (!face) return;
  for (const buttons of [state.faceButtons, state.faceListButtons]) {
    buttons.forEach((button, i) => {
      button.setAttribute("aria-pressed", String(i === index));
      button.classList.toggle("selected", i === index);
    });
  }
  if (focus) state.faceButtons[index]?.focus();
  ui.chart.hidden = false;
  ui.chartHeading.textContent = `Face ${index + 1}: ${face.label === "unknown" ? "unknown" : face.label}`;
  const detection = `Detector confidence ${percent(face.detectionScore)}.`;
  ui.chartNote.textContent =
    face.label === "unknown" ? `${detection} Not close enough to anyone the model knows.` : detection;
  renderBars(ui.bars, face.predictions, face.label);
  if (announce) setStatus(faceDescription(face, index, state.faces.length));
}

/**
 * Arrow keys, Home and End move between faces like a toolbar; Enter and Space click natively.
 * @param {KeyboardEvent} event
 */
function onFaceKeydown(event) {
  const current = Number(/** @type {HTMLElement} */ (event.currentTarget).dataset.index);
  const last = state.faces.length - 1;
  /** @type {Record<string, number>} */
  const moves = {
    ArrowRight: current + 1,
    ArrowDown: current + 1,
    ArrowLeft: current - 1,
    ArrowUp: current - 1,
    Home: 0,
    End: last,
  };
  const next = moves[event.key];
  if (next === undefined) return;
  event.preventDefault();
  selectFace((next + last + 1) % (last + 1), true);
}

/** @param {string} text */
function setStatus(text) {
  ui.status.textContent = text;
}

/** @param {unknown} err */
function showError(err) {
  const apiError = err instanceof ApiError ? err : new ApiError("internal_error", String(err), 0);
  if (apiError.code === "aborted") return;
  setStatus("");
  ui.result.hidden = true;
  ui.errorTitle.textContent = apiError.title;
  ui.errorDetail.textContent = apiError.detail && apiError.detail !== apiError.title ? apiError.detail : "";
  ui.error.dataset.code = apiError.code;
  ui.error.hidden = false;
  if (apiError.code === "unauthorized") {
    ui.keyForm.hidden = false;
    ui.keyInput.focus();
  }
}

function hideError() {
  ui.error.hidden = true;
  ui.errorTitle.textContent = "";
  ui.errorDetail.textContent = "";
  delete ui.error.dataset.code;
}

/** @param {FileList | null | undefined} files */
function firstFile(files) {
  return files && files.length > 0 ? files[0] : undefined;
}

// --- inputs -----------------------------------------------------------------------------------

ui.chooseButton.addEventListener("click", () => ui.fileInput.click());
ui.cameraButton.addEventListener("click", () => ui.cameraInput.click());
for (const input of [ui.fileInput, ui.cameraInput]) {
  input.addEventListener("change", () => {
    const file = firstFile(input.files);
    if (file) handleFile(file);
    // Picking the same file again must fire "change" again.
    input.value = "";
  });
}

// The whole window accepts a drop, so a near miss doesn't navigate away to the photo.
let dragDepth = 0;
document.addEventListener("dragenter", (event) => {
  if (!event.dataTransfer?.types.includes("Files")) return;
  dragDepth++;
  ui.dropZone.classList.add("dragging");
});
document.addEventListener("dragleave", () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) ui.dropZone.classList.remove("dragging");
});
document.addEventListener("dragover", (event) => {
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
});
document.addEventListener("drop", (event) => {
  event.preventDefault();
  dragDepth = 0;
  ui.dropZone.classList.remove("dragging");
  const file = firstFile(event.dataTransfer?.files);
  if (file) handleFile(file);
  else showLocalError("Drop a photo file from your device; links and text can't be checked.");
});

document.addEventListener("paste", (event) => {
  const file = firstFile(event.clipboardData?.files);
  if (file) {
    event.preventDefault();
    handleFile(file);
  }
});

ui.keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  state.apiKey = ui.keyInput.value.trim();
  try {
    sessionStorage.setItem(KEY_STORAGE, state.apiKey);
  } catch {
    // Storage can be off (private modes); the key then lasts until the page is closed.
  }
  ui.keyForm.hidden = true;
  if (state.lastFile) handleFile(state.lastFile);
});

/** @param {string} message */
function showLocalError(message) {
  ui.errorTitle.textContent = message;
  ui.errorDetail.textContent = "";
  ui.error.hidden = false;
}

// --- model card ---------------------------------------------------------------------------------

fetchModel().then(
  (meta) => renderModel(ui.modelCard, meta),
  (err) => {
    const apiError = err instanceof ApiError ? err : new ApiError("internal_error", String(err), 0);
    const message = el("p", "error-title", apiError.title);
    ui.modelCard.replaceChildren(message, el("p", "error-detail", apiError.detail));
  },
);
// Lets tests (and CSS) tell that the script ran.
document.documentElement.classList.add("ready");
