"""The sample condition report of the demo project, in English and Chinese, for docs/.

    python tools/sample_report.py [--out docs/report]

Makes the demo document, restores its paint loss with telea (applied), sets a scale (0.5 mm per
pixel, as if a 10 cm ruler were 200 px long) and the object metadata, saves the project, then
runs `muralstudio report` on it for both languages and renders every page to PNG (pdftoppm) so
the pages can be looked at in the repository.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report")
    args = parser.parse_args()
    from muralstudio.core.demo import demo_document
    from muralstudio.core.document import scale_from_line
    from muralstudio.core.project import save_project
    from muralstudio.engines import inpainting

    doc = demo_document()
    hole = doc.layer_by_name("paint loss").data >= 128
    result = inpainting.inpaint(doc.source, hole, inpainting.InpaintOptions(engine="telea"),
                                source_sha256=doc.source_sha256())
    doc.add_restoration(result.patches, result.record, name="restored (telea)")
    for layer in doc.layers:
        if getattr(layer, "pending", False):
            layer.pending = False
    doc.set_scale(scale_from_line(200, 10, "cm"))
    doc.set_properties({"site": "Demo grotto (generated)", "cave": "000", "wall": "north wall",
                        "subject": "procedural mural for testing", "photographer": "MuralStudio",
                        "date": "2026-12-05"})
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        project = save_project(doc, Path(tmp) / "demo.mural")
        for language in ("en", "zh_CN"):
            pdf = args.out / f"report-{language}.pdf"
            subprocess.run([sys.executable, "-m", "muralstudio", "report", str(project), "--out", str(pdf),
                            "--language", language], check=True)
            for old in args.out.glob(f"report-{language}-page-*.png"):
                old.unlink()
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(args.out / f"report-{language}-page")],
                           check=True)
    print(f"sample reports in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
