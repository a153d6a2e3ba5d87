"""Texts the Qt-free layers show to users: every error reason and job stage that the window
translates has a message id here, its English template and named fields.

A :class:`Text` is the English string (so logs, the command line and tests read it as always)
that also keeps its id and fields; the window translates it by the id (Qt context "Message"),
so rewording the English never loses a translation. A text raised with a file name in front
(``"/a/b.tif: file not found"``) keeps that prefix apart from the translated part.

    raise UnreadableFileError(path, Text("file_not_found"))
    progress(0.4, Text("detecting_window", index=3, total=40))
"""

from __future__ import annotations

#: message id → English template (``str.format`` fields)
CATALOGUE = {
    # reading and writing files
    "file_not_found": "file not found",
    "is_folder": "is a folder, not an image file",
    "permission_denied": "permission denied",
    "file_empty": "file is empty (0 bytes)",
    "image_empty": "image is empty ({width}×{height} pixels)",
    "png_header_damaged": "PNG header (IHDR) is missing or damaged",
    "mode_unsupported": "image mode {mode!r} is not supported",
    "png16_undecodable": "16-bit PNG data could not be decoded (truncated?)",
    "tiff_directory_cut_off": "the file ends at byte {size:,} before its image directory at byte {offset:,} "
                              "(a truncated copy or download)",
    "tiff_no_directory": "the TIFF holds no readable image directory (damaged)",
    "header_unreadable": "cannot read the {format} header ({reason})",
    "decoded_size_mismatch": "decoded size does not match the header",
    "region_undecodable": "cannot decode region ({reason})",
    "wrong_signature": "does not start like a {format} file (damaged or not an image)",
    "unknown_file_type": "unknown file type; MuralStudio reads TIFF, PNG, JPEG, BMP and WebP",
    "image_too_large": "image has {pixels:,} pixels, more than the limit of {limit:,}; raise it with "
                       "--max-pixels N (command line) or the MURALSTUDIO_MAX_PIXELS environment variable",
    "original_protected": "this is an original image opened as a source; MuralStudio never writes "
                          "to originals, choose another name",
    # projects
    "project_no_name": "no file name given for the project",
    "project_damaged": "not a MuralStudio project or damaged ({reason})",
    "project_is_image": "an image, not a MuralStudio project (.mural): open it in the window and save a "
                        "project, or give the image to a command that takes images (detect, label, inpaint)",
    "project_no_manifest": "damaged project: manifest.json is missing",
    "project_empty": "the project file is empty (0 bytes)",
    "project_not_zip": "not a MuralStudio project: a project is a zip archive, this {size:,}-byte file is not "
                       "one (damaged, cut short, or another kind of file)",
    "project_unknown_format": "not a MuralStudio project (unknown format)",
    "source_missing": "source image {path} was not found; locate it to continue",
    "source_changed": "the file changed on disk after it was opened (another program wrote it); its "
                      "pixels are no longer the ones shown, so nothing more is read from it: save your "
                      "work as a project, then reopen the image",
    "source_mismatch": "{path} is not this project's source image (SHA-256 {found}, expected {expected})",
    # models
    "weights_not_found": "weights file not found (see models/README.md for how to train or import weights)",
    "checkpoint_not_found": "checkpoint file not found",
    "weights_missing_train": "the {model}'s weights are not installed; train them with "
                             "'muralstudio train {command}' (see models/README.md)",
    "weights_missing_import": "the {model}'s weights are not installed; reinstall MuralStudio (they ship "
                              "in models/), train them with 'muralstudio train {command}' or import the "
                              "official checkpoint with 'muralstudio models import CHECKPOINT --as {engine}' "
                              "(see models/README.md)",
    "checkpoint_mismatch": "checkpoint does not fit the network — {details}",
    "cuda_unavailable": "CUDA was requested but this torch build or machine has no CUDA device; use --device cpu",
    # jobs
    "server_unreachable": "the compute server {address} cannot be reached ({reason}); the job did not run. "
                          "Choose 'This computer' in Settings → Compute to work locally.",
    "server_lost": "the compute server {address} lost the job ({reason}): it restarted or its worker "
                   "stopped; run the job again, or choose 'This computer' in Settings → Compute.",
    "server_unreachable_cli": "the compute server {address} cannot be reached ({reason}); the job did not run. "
                              "Leave out --server to work on this computer.",
    "server_no_worker": "the compute server {address} has no worker to run the job; start one there "
                        "('dask worker {address} --preload muralstudio.ops.remote'), or work on this computer",
    "server_lost_cli": "the compute server {address} lost the job ({reason}): it restarted or its worker "
                       "stopped; run the command again, or leave out --server to work on this computer.",
    "cancelled": "cancelled",
    "detection_cancelled": "detection cancelled",
    "labeling_cancelled": "labeling cancelled",
    "training_cancelled": "training cancelled",
    # job stages (shown beside a job's progress)
    "stage_done": "done",
    "stage_hashing_source": "hashing the source",
    "stage_loading_model": "loading the model",
    "stage_preparing": "preparing",
    "stage_predicting": "predicting",
    "stage_detecting_window": "detecting: window {index} of {total}",
    "stage_labeling_window": "labeling: window {index} of {total}",
    "stage_labeling_image": "labeling: image {index} of {total}",
    "stage_training_step": "training: step {index} of {total}",
    "stage_pyramid_level": "pyramid level {level}/{last}",
    "stage_pyramid_level_ready": "pyramid level {level}/{last} ready",
    "stage_region": "region {index}/{total}",
}


class Text(str):
    """The English text of message ``message_id`` with ``fields`` filled in, remembering both
    (and a ``prefix``, e.g. the file name, that is not translated)."""

    message_id: str
    fields: dict
    prefix: str

    def __new__(cls, message_id: str, prefix: str = "", **fields):
        if message_id not in CATALOGUE:
            raise KeyError(f"unknown message id {message_id!r}")
        text = super().__new__(cls, prefix + CATALOGUE[message_id].format(**fields))
        text.message_id, text.fields, text.prefix = message_id, fields, prefix
        return text

    def with_prefix(self, prefix: str) -> "Text":
        return Text(self.message_id, prefix + self.prefix, **self.fields)

    def render(self, template: str) -> str:
        """The prefix and ``template`` (a translation of this id) with the fields filled in;
        the English when the translation does not fit the fields."""
        try:
            return self.prefix + template.format(**self.fields)
        except (KeyError, IndexError, ValueError):
            return str.__str__(self)

    def __reduce__(self):  # survives pickling (Dask workers, the compute server)
        return _rebuild, (self.message_id, self.prefix, self.fields)


def _rebuild(message_id: str, prefix: str, fields: dict) -> Text:
    return Text(message_id, prefix, **fields)
