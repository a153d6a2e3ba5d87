"""The demo document: a generated damaged mural with its damage already masked, so every tool
(window, report, tests) has input without any file."""

from __future__ import annotations

from muralstudio.core import synth
from muralstudio.core.document import Document


def demo_document() -> Document:
    damaged, _clean, masks, labels = synth.demo_document_pixels()
    doc = Document.from_array(damaged, name="demo mural (generated)")
    doc.synthetic_damage = True
    doc.new_mask_layer("cracks", masks["cracks"], color=(255, 40, 40))
    doc.new_mask_layer("paint loss", masks["loss"], color=(40, 160, 255))
    layer = doc.new_label_layer("elements (ground truth)", labels)
    layer.visible = False
    doc.history.clear()
    doc.mark_clean()
    return doc
