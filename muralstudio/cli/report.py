"""The condition and treatment report of a project, as PDF (A4) or HTML.

  muralstudio report PROJECT.mural --out report.pdf [--language en|zh_CN]
  muralstudio report PROJECT.mural --out report.html

Sections: object metadata (Document properties), overview with a scale bar, damage map with
legend and areas, measurements, every intervention (engine, weights, parameters, time, area,
before/after), element labels. The PDF is drawn by Qt's PDF writer (no display needed).
"""

from __future__ import annotations

from pathlib import Path

NAME = "report"
HELP = "condition and treatment report of a project (PDF or HTML, English or Chinese)"


def add_arguments(parser) -> None:
    parser.add_argument("project", type=Path, help="a .mural project")
    parser.add_argument("--out", type=Path, required=True, help="report.pdf or report.html")
    parser.add_argument("--language", choices=("en", "zh_CN"), default="en")


def run(args) -> int:
    from muralstudio.core.project import load_project
    from muralstudio.ops.report import build_report, write_html

    suffix = args.out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise ValueError(f"{args.out}: the report is written as .pdf or .html")
    report = build_report(load_project(args.project), args.language)
    if suffix == ".pdf":
        from muralstudio.gui.report_pdf import write_pdf_without_window

        write_pdf_without_window(report, args.out)
    else:
        write_html(report, args.out)
    print(f"report ({args.language}): {', '.join(report.sections)} -> {args.out}")
    return 0
