// The seller's page: drop photos, move them between the views, see the verdict change.
// The server renders every slot (the same markup as the HTML report); this script only
// sends what the seller does and swaps in the new rendering.
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const words = JSON.parse(document.getElementById("words").textContent);
const MOVE = "text/x-image-review-file";
const UPLOADS_AT_ONCE = 2;

async function api(path, options = {}) {
  const headers = Object.assign({ "X-Image-Review-Token": token }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function show(state) {
  const typed = document.getElementById("product-id"); // kept when the header is drawn again
  const productId = typed ? typed.value : "";
  document.getElementById("header").innerHTML = state.header;
  const field = document.getElementById("product-id");
  if (field) field.value = productId;
  document.getElementById("grid").innerHTML = state.grid;
  document.getElementById("rest").innerHTML = state.rest;
  document.title = state.title;
  document.body.dataset.verdict = state.verdict;
}

async function refresh() {
  show(await api("/api/state"));
}

async function assign(file, view) {
  show(await api("/api/assign", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ file, view }),
  }));
}

// Moving photos: drag a photo onto a slot or the tray, or pick its view from its menu.
document.addEventListener("dragstart", (event) => {
  const photo = event.target.closest && event.target.closest(".photo[data-file]");
  if (photo) event.dataTransfer.setData(MOVE, photo.dataset.file);
});

function targetOf(event) {
  return event.target.closest && event.target.closest("[data-view]");
}

document.addEventListener("dragover", (event) => {
  event.preventDefault(); // photos from the computer may be dropped anywhere
  document.querySelectorAll(".target").forEach((el) => el.classList.remove("target"));
  const target = targetOf(event);
  if (target && event.dataTransfer.types.includes(MOVE)) target.classList.add("target");
  document.getElementById("drop").classList.toggle("over", event.dataTransfer.types.includes("Files"));
});

document.addEventListener("dragleave", () => document.getElementById("drop").classList.remove("over"));

document.addEventListener("drop", async (event) => {
  event.preventDefault();
  document.getElementById("drop").classList.remove("over");
  document.querySelectorAll(".target").forEach((el) => el.classList.remove("target"));
  const moved = event.dataTransfer.getData(MOVE);
  const target = targetOf(event);
  if (moved) {
    if (target) await assign(moved, target.dataset.view).catch(report);
    return;
  }
  const files = await droppedFiles(event.dataTransfer);
  if (files.length) upload(files);
});

document.addEventListener("change", (event) => {
  if (event.target.matches("select.view-menu")) {
    assign(event.target.dataset.file, event.target.value).catch(report);
  } else if (event.target.name === "has-screen") {
    api("/api/product", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ has_screen: event.target.value === "true" }),
    }).then(show, report);
  } else if (event.target.id === "files" || event.target.id === "folder") {
    upload(Array.from(event.target.files));
    event.target.value = "";
  }
});

document.getElementById("pick").addEventListener("click", () => document.getElementById("files").click());
document.getElementById("pick-folder").addEventListener("click", () => document.getElementById("folder").click());

// Adding photos: each is sent on its own (a few at a time) and measured as it arrives.
async function droppedFiles(transfer) {
  const entries = Array.from(transfer.items || [])
    .map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry())
    .filter(Boolean);
  if (!entries.length) return Array.from(transfer.files || []);
  const files = [];
  async function walk(entry) {
    if (entry.isFile) {
      files.push(await new Promise((ok, fail) => entry.file(ok, fail)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        for (const child of batch) await walk(child);
      }
    }
  }
  for (const entry of entries) await walk(entry);
  return files;
}

function progressLine(name) {
  const line = document.createElement("li");
  line.textContent = `${name}: ${words.uploading}…`;
  document.getElementById("progress").appendChild(line);
  return line;
}

const SHOW_EVERY_MS = 1500; // while photos arrive, the slots are drawn again at most this often

async function upload(files) {
  const queue = files.map((file) => [file, progressLine(file.name)]);
  let shown = Date.now();
  async function worker() {
    while (queue.length) {
      const [file, line] = queue.shift();
      try {
        const added = await api(`/api/photos?name=${encodeURIComponent(file.name)}`, {
          method: "POST",
          headers: { "Content-Type": "application/octet-stream" },
          body: file,
        });
        line.textContent = `${added.file}: ${words.done}`;
        if (Date.now() - shown > SHOW_EVERY_MS) {
          shown = Date.now();
          await refresh();
        }
      } catch (error) {
        line.textContent = `${file.name}: ${words.failed}: ${error.message}`;
        line.className = "error";
      }
    }
  }
  await Promise.all(Array.from({ length: UPLOADS_AT_ONCE }, worker));
  await refresh();
}

function report(error) {
  const line = progressLine("");
  line.textContent = error.message;
  line.className = "error";
}

// The upload-ready set, once the verdict is PASS: fetched as one zip and saved.
document.addEventListener("submit", async (event) => {
  if (event.target.id !== "download") return;
  event.preventDefault();
  const error = document.getElementById("download-error");
  error.textContent = "";
  const id = document.getElementById("product-id").value.trim();
  try {
    const response = await fetch(`/api/export.zip?product_id=${encodeURIComponent(id)}`, {
      headers: { "X-Image-Review-Token": token },
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({ error: response.statusText }));
      throw new Error(body.error || response.statusText);
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = decodeURIComponent((disposition.match(/filename\*=UTF-8''([^;]+)/) || [])[1] || "upload.zip");
    const link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  } catch (failure) {
    error.textContent = failure.message;
  }
});

// Another tab or the command line may have changed the folder: look again when back.
window.addEventListener("focus", () => refresh().catch(report));
refresh().catch(report);
