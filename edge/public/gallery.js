// @ts-check
// The page's gallery part: teach a new person (name, a few photos, the admin key) and identify a
// photo against the gallery. Photos are shrunk in the browser as for /predict; the worker keeps
// only each face's embedding, never the photo.
import { fetchLimits } from "./api.js";
import { prepareUpload } from "./prepare-image.js";

// Per tab only, like the API key: gone when the tab closes.
const ADMIN_KEY_STORAGE = "marquee-admin-key";

/**
 * @param {string} id
 * @returns {any}
 */
function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The page lacks #${id}.`);
  return node;
}

const ui = {
  teachForm: /** @type {HTMLFormElement} */ (byId("teach-form")),
  gallery: /** @type {HTMLInputElement} */ (byId("gallery-name")),
  person: /** @type {HTMLInputElement} */ (byId("person-name")),
  photos: /** @type {HTMLInputElement} */ (byId("person-photos")),
  adminKey: /** @type {HTMLInputElement} */ (byId("admin-key")),
  teachStatus: byId("teach-status"),
  identifyInput: /** @type {HTMLInputElement} */ (byId("identify-photo")),
  identifyResult: byId("identify-result"),
  people: byId("gallery-people"),
};

const limits = fetchLimits();
ui.adminKey.value = sessionStorage.getItem(ADMIN_KEY_STORAGE) ?? "";

/**
 * Call the gallery API; an `{ error }` body becomes an Error with the server's message.
 * @param {string} url
 * @param {RequestInit} init
 */
async function call(url, init = {}) {
  const response = await fetch(url, init);
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

function galleryPath() {
  return `galleries/${encodeURIComponent(ui.gallery.value.trim() || "default")}`;
}

/** @param {HTMLElement} node @param {string} text @param {boolean} [isError] */
function say(node, text, isError = false) {
  node.textContent = text;
  node.classList.toggle("error-text", isError);
}

async function refreshPeople() {
  try {
    const { people } = await call(`${galleryPath()}/people`);
    ui.people.replaceChildren(
      ...people.map((/** @type {{ person: string, faces: number }} */ p) => {
        const li = document.createElement("li");
        li.textContent = `${p.person} (${p.faces} face${p.faces === 1 ? "" : "s"})`;
        return li;
      }),
    );
    if (people.length === 0) ui.people.textContent = "Nobody yet.";
  } catch (err) {
    ui.people.textContent = err instanceof Error ? err.message : String(err);
  }
}

ui.teachForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const files = [...(ui.photos.files ?? [])];
  const person = ui.person.value.trim();
  if (!person || files.length === 0) return say(ui.teachStatus, "Give a name and at least one photo.", true);
  sessionStorage.setItem(ADMIN_KEY_STORAGE, ui.adminKey.value);
  const refused = [];
  let total = 0;
  for (const [i, file] of files.entries()) {
    say(ui.teachStatus, `Enrolling photo ${i + 1} of ${files.length}…`);
    try {
      const { blob } = await prepareUpload(file, await limits);
      const answer = await call(`${galleryPath()}/people/${encodeURIComponent(person)}/faces`, {
        method: "POST",
        body: blob,
        headers: { Authorization: `Bearer ${ui.adminKey.value}` },
      });
      total = answer.total;
    } catch (err) {
      refused.push(`${file.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const learnt = files.length - refused.length;
  say(
    ui.teachStatus,
    `${person}: ${learnt} of ${files.length} photo(s) learnt${total ? `, ${total} face(s) in all` : ""}.${refused.length ? ` Refused: ${refused.join(" · ")}` : ""}`,
    learnt === 0,
  );
  await refreshPeople();
});

ui.identifyInput.addEventListener("change", async () => {
  const file = ui.identifyInput.files?.[0];
  if (!file) return;
  say(ui.identifyResult, "Looking…");
  try {
    const { blob } = await prepareUpload(file, await limits);
    const answer = await call(`${galleryPath()}/identify?top_k=3`, { method: "POST", body: blob });
    if (answer.faces.length === 0) return say(ui.identifyResult, answer.message ?? "No face found.");
    say(
      ui.identifyResult,
      answer.faces
        .map((/** @type {any} */ f, /** @type {number} */ i) => {
          const best = f.matches[0];
          const near = best ? ` (nearest: ${best.person}, distance ${best.distance.toFixed(2)})` : "";
          return `Face ${i + 1}: ${f.label === "unknown" ? "unknown" : f.label}${near}`;
        })
        .join(" · ") + ` — threshold ${answer.threshold}.`,
    );
  } catch (err) {
    say(ui.identifyResult, err instanceof Error ? err.message : String(err), true);
  }
});

// The list is fetched when the user turns to the gallery, not on page load: the page's first
// paint needs only /health and /model.
ui.gallery.addEventListener("change", refreshPeople);
ui.teachForm.addEventListener("focusin", () => refreshPeople(), { once: true });
