// Attest uploader: resumable uploads (tus) over a plain <input type="file" multiple>.
// Markup: templates/evidence/includes/uploader.html. Without this script (or without
// tus-js-client) the input posts its files with the form, as any file input does.
//
// Each chosen, dropped or captured file is sent in 32 MiB chunks (each request costs the server
// a round of sign-in checks and queries: fewer, larger ones keep a 2 GiB video near disk speed;
// the server keeps whatever part of a chunk arrived, so a dropped one loses nothing); an
// interrupted upload resumes where the server says it stopped (also after a reload: tus-js-client keeps a
// fingerprint of the file in localStorage). When the server has stored the file, a hidden
// <input name="files" value="ID"> joins the surrounding form. Server refusals are shown
// beside the file in the server's own words. Removing an uploaded file tells the server,
// which deletes it (it is in no evidence yet); one left behind is swept after a day.
(function () {
  "use strict";

  var CHUNK_SIZE = 32 * 1024 * 1024;
  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];

  function formatSize(bytes) {
    var units = ["bytes", "KB", "MB", "GB"];
    var value = bytes;
    var unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return unit === 0 ? bytes + " bytes" : value.toFixed(1) + " " + units[unit];
  }

  function responseOf(error) {
    return error && error.originalResponse ? error.originalResponse : null;
  }

  // The server answers refusals as JSON {"error": "..."}; anything else gets a plain sentence.
  function messageFor(error) {
    var response = responseOf(error);
    if (!response) {
      return "The connection was lost. Choose “Try again” to carry on from where it stopped.";
    }
    var status = response.getStatus();
    try {
      var data = JSON.parse(response.getBody());
      if (data && data.error) {
        return data.error;
      }
    } catch (ignored) {
      // not JSON: fall through to a general sentence
    }
    if (status === 403) {
      return "The page has expired. Reload it (sign in again if asked) and add the file again.";
    }
    if (status === 413) {
      return "This file is too big to upload.";
    }
    return "The server could not take this file (error " + status + "). Try again in a moment.";
  }

  // Refusals (4xx other than conflicts) will not change by sending again; the rest can resume.
  function canRetry(error) {
    var response = responseOf(error);
    if (!response) {
      return true;
    }
    var status = response.getStatus();
    return status >= 500 || status === 409 || status === 423;
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function Uploader(root) {
    this.root = root;
    this.input = root.querySelector("[data-uploader-input]");
    this.list = root.querySelector("[data-uploader-list]");
    this.live = root.querySelector("[data-uploader-live]");
    this.dropZone = root.querySelector("[data-uploader-drop]") || root;
    this.form = root.closest("form");
    this.count = 0;
    this.pending = 0;
    this.enhance();
  }

  Uploader.prototype.enhance = function () {
    var self = this;
    // From here on files travel by tus; the plain input no longer posts them with the form.
    this.input.removeAttribute("name");
    this.root.classList.add("is-enhanced");
    this.root.querySelectorAll("[data-uploader-enhanced]").forEach(function (node) {
      node.hidden = false;
    });
    this.input.addEventListener("change", function () {
      self.addFiles(self.input.files);
      self.input.value = "";
    });
    this.root.querySelectorAll("[data-uploader-capture]").forEach(function (capture) {
      capture.addEventListener("change", function () {
        self.addFiles(capture.files);
        capture.value = "";
      });
    });
    this.root.querySelectorAll("[data-uploader-open]").forEach(function (button) {
      button.addEventListener("click", function () {
        document.getElementById(button.getAttribute("data-uploader-open")).click();
      });
    });
    ["dragenter", "dragover"].forEach(function (type) {
      self.dropZone.addEventListener(type, function (event) {
        event.preventDefault();
        self.dropZone.classList.add("is-dragover");
      });
    });
    ["dragleave", "dragend"].forEach(function (type) {
      self.dropZone.addEventListener(type, function (event) {
        if (!self.dropZone.contains(event.relatedTarget)) {
          self.dropZone.classList.remove("is-dragover");
        }
      });
    });
    this.dropZone.addEventListener("drop", function (event) {
      event.preventDefault();
      self.dropZone.classList.remove("is-dragover");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        self.addFiles(event.dataTransfer.files);
      }
    });
    if (this.form) {
      this.form.addEventListener("submit", function (event) {
        if (self.pending > 0) {
          event.preventDefault();
          self.announce(
            self.pending === 1
              ? "One file is still uploading. Save again when it has finished."
              : self.pending + " files are still uploading. Save again when they have finished."
          );
        }
      });
    }
  };

  Uploader.prototype.announce = function (text) {
    // Cleared first so that the same sentence twice is still read out.
    var live = this.live;
    live.textContent = "";
    window.setTimeout(function () {
      live.textContent = text;
    }, 50);
  };

  // The stored file is deleted on the server; if this request fails, the daily sweep deletes it.
  Uploader.prototype.discard = function (fileId) {
    var url = this.root.getAttribute("data-discard-url");
    if (!url || !window.fetch) {
      return;
    }
    window.fetch(url.replace(/\/0\/discard\/$/, "/" + encodeURIComponent(fileId) + "/discard/"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": this.root.getAttribute("data-csrf-token") }
    }).catch(function () {
      // nothing to tell the person: the file is no longer in their form either way
    });
  };

  Uploader.prototype.addFiles = function (files) {
    var self = this;
    Array.prototype.forEach.call(files, function (file) {
      self.start(file);
    });
  };

  Uploader.prototype.start = function (file) {
    var self = this;
    this.count += 1;
    var id = this.root.id + "-upload-" + this.count;
    var item = element("li", { class: "uploader-item", id: id, "data-state": "uploading" });
    var label = element("label", { for: id + "-progress", class: "uploader-name" }, file.name);
    var size = element("span", { class: "uploader-size help" }, formatSize(file.size));
    var progress = element("progress", { id: id + "-progress", max: "100", "aria-describedby": id + "-status" });
    progress.value = 0;
    var status = element("p", { class: "uploader-status", id: id + "-status" }, "Waiting to start…");
    var actions = element("div", { class: "uploader-actions" });
    var cancel = element("button", { type: "button", class: "button secondary small" }, "Cancel");
    var retry = element("button", { type: "button", class: "button secondary small" }, "Try again");
    var remove = element("button", { type: "button", class: "button secondary small" }, "Remove");
    [cancel, retry, remove].forEach(function (button) {
      button.appendChild(element("span", { class: "visually-hidden" }, " " + file.name));
    });
    // Buttons come and go from the page rather than being hidden (a styled button ignores `hidden`).
    function offer() {
      actions.replaceChildren.apply(actions, arguments);
    }
    offer(cancel);
    [label, size, progress, status, actions].forEach(function (node) {
      item.appendChild(node);
    });
    this.list.appendChild(item);
    this.list.hidden = false;
    this.pending += 1;
    var finished = false;

    function settle(state) {
      if (!finished) {
        finished = true;
        self.pending -= 1;
      }
      item.setAttribute("data-state", state);
    }

    var upload = new window.tus.Upload(file, {
      endpoint: this.root.getAttribute("data-endpoint"),
      chunkSize: CHUNK_SIZE,
      retryDelays: RETRY_DELAYS,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      metadata: { filename: file.name, filetype: file.type || "" },
      headers: { "X-CSRFToken": this.root.getAttribute("data-csrf-token") },
      onShouldRetry: function (error) {
        return canRetry(error);
      },
      onProgress: function (sent, total) {
        var percent = total ? Math.floor((sent / total) * 100) : 0;
        progress.value = percent;
        status.textContent = "Uploading… " + percent + "% (" + formatSize(sent) + " of " + formatSize(total) + ")";
      },
      onSuccess: function (payload) {
        var response = payload && payload.lastResponse;
        var fileId = response ? response.getHeader("Attest-File-Id") : null;
        if (!fileId) {
          settle("failed");
          status.textContent = "The file arrived but was not recorded. Remove it and add it again.";
          offer(remove);
          self.announce(file.name + " could not be added.");
          return;
        }
        settle("done");
        progress.value = 100;
        status.textContent = "Uploaded. It will be saved with this evidence.";
        var hidden = element("input", { type: "hidden", name: "files", value: fileId });
        item.appendChild(hidden);
        item.setAttribute("data-file-id", fileId);
        offer(remove);
        self.announce(file.name + " uploaded.");
      },
      onError: function (error) {
        settle("failed");
        var message = messageFor(error);
        status.textContent = message;
        status.classList.add("error");
        if (canRetry(error)) {
          offer(retry, remove);
        } else {
          offer(remove);
        }
        self.announce(file.name + " could not be uploaded. " + message);
      }
    });

    cancel.addEventListener("click", function () {
      settle("cancelled");
      upload.abort(true).catch(function () {
        // the server forgets unfinished uploads after a day in any case
      });
      item.remove();
      self.announce("Upload of " + file.name + " cancelled.");
    });
    retry.addEventListener("click", function () {
      finished = false;
      self.pending += 1;
      item.setAttribute("data-state", "uploading");
      status.classList.remove("error");
      status.textContent = "Carrying on…";
      offer(cancel);
      upload.start();
    });
    remove.addEventListener("click", function () {
      var fileId = item.getAttribute("data-file-id");
      if (fileId) {
        self.discard(fileId);
      }
      item.remove();
      self.announce(file.name + " removed.");
      if (!self.list.children.length) {
        self.list.hidden = true;
      }
    });

    status.textContent = "Starting…";
    self.announce("Uploading " + file.name + ".");
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
      }
      upload.start();
    });
  };

  function init() {
    if (!window.tus || !window.tus.isSupported) {
      return; // the plain file input keeps working
    }
    document.querySelectorAll("[data-uploader]").forEach(function (root) {
      if (!root.uploader) {
        root.uploader = new Uploader(root);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
