"""The condition and treatment report of a project: object metadata, an overview with a scale
bar, the damage map with its legend and areas, the measurements table, every intervention
(engine, weights, parameters, time, area, before/after crops) and the element labels summary.

Built here as HTML with named images (Qt-free); :func:`write_html` writes one self-contained
file (images inline), and the window's layer renders the same HTML to an A4 PDF with Qt's PDF
writer (``muralstudio.gui.report_pdf``), embedding a CJK font for the Chinese report.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from muralstudio.core.elements import ELEMENT_MIN_AREA

TEXT = {
    "en": {
        "title": "Condition and treatment report", "object": "Object", "overview": "Overview",
        "damage_map": "Damage map", "measurements": "Measurements", "interventions": "Interventions",
        "elements": "Element labels", "site": "Site", "cave": "Cave", "wall": "Wall", "subject": "Subject",
        "photographer": "Photographer", "date": "Date", "notes": "Notes", "image": "Image file",
        "size": "Size", "scale": "Scale", "sha": "Source SHA-256", "no_scale": "no physical scale known",
        "scale_user": "set on the image by the user", "scale_file": "from the file's resolution",
        "layer": "Layer", "what": "What", "pixels": "Pixels", "share": "Share", "regions": "Regions (all sizes)",
        "largest": "Largest", "area": "Area (cm²)", "engine": "Engine", "weights": "Weights SHA-256",
        "parameters": "Parameters", "time": "Time", "restored_area": "Restored area", "state": "State",
        "pending": "proposal, not applied", "applied": "applied", "before_after": "Before / after",
        "warned": "Restored after a warning",
        "warned_text": "{unsure} region(s) the detector was unsure of, {dark} mostly dark paint (more often "
                       "original linework than loss); the conservator restored them when asked (the first at "
                       "x {x}, y {y})",
        "none_damage": "No damage layers.", "none_interventions": "No interventions recorded.",
        "only_proposed": "No damage confirmed yet: the detector proposed {pixels} px ({what}), not yet reviewed; "
                         "open the project and review the regions (Detect → Review regions) to map them.",
        "none_elements": "No element labels.", "class": "Class", "count": f"Elements (≥ {ELEMENT_MIN_AREA} px)",
        "generated": "Made with MuralStudio %1 on %2. Original pixels outside the restored regions are unchanged; every fill is a hypothesis, documented above.",
        "legend": "Legend", "hatched": "restored areas outlined", "largest_elements": "Largest elements",
        "element": "Element", "box": "Box (x, y, w, h)",
        "identification": "Damage identification",
        "identification_note": "A detector's proposals are not damage until a person accepts them: only accepted regions are in the damage map. Counts are regions (pixels); accepted and rejected count every decision since the detection, at whatever threshold it was made. Each row is one run: a later run proposes again what was still undecided before it (never what was decided), so its proposals are not added to an earlier run's.",
        "threshold": "Threshold", "proposed": "Proposed (at that threshold)", "accepted": "Accepted",
        "rejected": "Rejected",
        "none_identification": "No detector was run; the damage was marked by hand.",
        "none_found": "No detector was run and no damage is marked.",
        "detector": "Detector",
        "details": "The largest restored regions enlarged (before above, after below)",
    },
    "zh_CN": {
        "title": "病害与修复报告", "object": "对象信息", "overview": "总览", "damage_map": "病害图",
        "measurements": "测量", "interventions": "修复记录", "elements": "要素标注", "site": "地点",
        "cave": "洞窟", "wall": "壁面", "subject": "题材", "photographer": "摄影", "date": "日期",
        "notes": "备注", "image": "图像文件", "size": "尺寸", "scale": "比例", "sha": "原图 SHA-256",
        "no_scale": "未知物理比例", "scale_user": "由用户在图像上标定", "scale_file": "取自文件分辨率",
        "layer": "图层", "what": "内容", "pixels": "像素", "share": "占比", "regions": "区域数（不限大小）",
        "largest": "最大区域", "area": "面积 (cm²)", "engine": "引擎", "weights": "权重 SHA-256",
        "parameters": "参数", "time": "时间", "restored_area": "修复面积", "state": "状态",
        "pending": "建议，未应用", "applied": "已应用", "before_after": "修复前 / 修复后",
        "warned": "经提示后修复",
        "warned_text": "检测器把握不足的区域 {unsure} 处，以深色颜料为主的区域 {dark} 处（多为原有线描而非脱落）；"
                       "经询问后由修复人员确认修复（第一处位于 x {x}，y {y}）",
        "none_damage": "没有病害图层。", "none_interventions": "没有修复记录。", "none_elements": "没有要素标注。",
        "only_proposed": "尚无确认的病害：检测器提出了 {pixels} 像素（{what}），尚未审核；请打开项目并逐区审核"
                         "（检测 → 审核区域）后再制图。",
        "class": "类别", "count": f"要素数（≥ {ELEMENT_MIN_AREA} 像素）",
        "generated": "由 MuralStudio %1 于 %2 生成。修复区域以外的原始像素未被改动；每处填补均为推测，记录如上。",
        "legend": "图例", "hatched": "修复区域以轮廓标出", "largest_elements": "最大的要素",
        "element": "要素", "box": "范围 (x, y, 宽, 高)",
        "identification": "病害识别",
        "identification_note": "检测器提出的区域在人工确认前不算病害：病害图只含已确认的区域。数字为区域数（像素）；确认与否决计入检测以来的每次决定，无论当时阈值为何。每行为一次检测：后一次检测会再次提出此前尚未决定的区域（已决定的不会再提出），故其提出数不应与前一次相加。",
        "threshold": "阈值", "proposed": "提出（该阈值下）", "accepted": "确认", "rejected": "否决",
        "none_identification": "未运行检测器；病害由人工标出。",
        "none_found": "未运行检测器，也未标出病害。",
        "detector": "检测器",
        "details": "最大的几处修复区域放大（上为修复前，下为修复后）",
    },
}
CLASS_NAMES_ZH = {"background": "背景", "animal": "动物", "building": "建筑", "cloud": "云气", "people": "人物",
                  "Buddha": "佛像", "damage": "病害", "paint loss": "颜料脱落", "craquelure": "龟裂"}


@dataclass
class Report:
    language: str
    html: str  # images as <img src="NAME">
    images: dict = field(default_factory=dict)  # NAME → RGB uint8
    sections: list = field(default_factory=list)  # the section titles, in order
    title: str = ""  # the file's title (HTML <title>, PDF document title): report and image


#: figures are at most this wide and this tall in the report (CSS px; the A4 PDF's text block
#: is about 1,060 × 1,570 of them): a tall mural's overview, or the before/after of a narrow
#: region, fits on a page with its heading and caption
FIGURE_WIDTH, FIGURE_HEIGHT = 1000, 900


def _figure(images: dict, name: str, rgb: np.ndarray, caption: str = "", width: int = FIGURE_WIDTH) -> str:
    """``rgb`` stored as ``name`` and its HTML: the caption a paragraph of its own before the
    image (the PDF writer keeps it on the image's page), the image no taller than
    :data:`FIGURE_HEIGHT`."""
    images[name] = rgb
    height, wide = rgb.shape[:2]
    shown = max(1, min(width, round(wide * FIGURE_HEIGHT / height)))
    head = f"<p class='caption'>{caption}</p>" if caption else ""
    return f"{head}<p class='figure'><img src='{name}' width='{shown}'></p>"


def _e(text) -> str:
    return html.escape(str(text))


def _thumbnail(rgb: np.ndarray, longest: int) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    f = min(1.0, longest / max(h, w))
    return cv2.resize(rgb, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA) if f < 1 else rgb


def scale_bar(rgb: np.ndarray, mm_per_px: float | None) -> np.ndarray:
    """``rgb`` with a black-and-white bar of a round length (1, 2, 5 × 10ⁿ mm/cm) in a corner."""
    import cv2

    if not mm_per_px:
        return rgb
    out = rgb.copy()
    h, w = out.shape[:2]
    target_mm = w * mm_per_px / 5
    exponent = np.floor(np.log10(target_mm))
    length_mm = max(v * 10 ** exponent for v in (1, 2, 5) if v * 10 ** exponent <= target_mm * 1.0001)
    px = int(round(length_mm / mm_per_px))
    label = f"{length_mm / 10:g} cm" if length_mm >= 10 else f"{length_mm:g} mm"
    unit = max(1.0, w / 800)  # the bar reads the same at any image size
    thick, font = int(6 * unit), 0.6 * unit
    x0, y0 = int(16 * unit), h - int(20 * unit)
    cv2.rectangle(out, (x0 - int(8 * unit), y0 - int(30 * unit)), (x0 + px + int(8 * unit), y0 + thick + int(8 * unit)),
                  (255, 255, 255), -1)
    cv2.rectangle(out, (x0, y0), (x0 + px, y0 + thick), (0, 0, 0), -1)
    cv2.putText(out, label, (x0, y0 - int(8 * unit)), cv2.FONT_HERSHEY_SIMPLEX, font, (0, 0, 0),
                max(1, int(unit * 1.5)), cv2.LINE_AA)
    return out


def _damage_layers(doc) -> list:
    """The mask layers of damage a person decided (not proposals) that hold some."""
    from muralstudio.core.document import MaskLayer

    return [layer for layer in doc.layers if isinstance(layer, MaskLayer) and layer.marks_damage and layer.area]


def _damage_map(doc, longest: int) -> tuple[np.ndarray, list]:
    """The image dimmed to grey with every damage layer in its colour; (map, legend rows)."""
    rgb = doc.source.full()  # damage is mapped on the unrestored original
    from muralstudio.core.imageio import to_rgb8

    base = to_rgb8(rgb).astype(np.float32)
    grey = base.mean(axis=2, keepdims=True) * 0.6 + 80
    out = np.repeat(grey, 3, axis=2)
    legend = []
    for layer in _damage_layers(doc):
        mask = layer.data >= 128
        out[mask] = np.array(layer.color, np.float32)
        legend.append((layer.name, tuple(int(c) for c in layer.color)))
    return _thumbnail(np.clip(out, 0, 255).astype(np.uint8), longest), legend


def _engine_with_settings(entry: dict) -> str:
    """``flecks-vetted (scale 0.18)``: the detector and the settings its proposals depend on."""
    settings = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}"
                         for k, v in (entry.get("settings") or {}).items())
    return f"{entry['engine']} ({settings})" if settings else entry["engine"]


def _identification(doc, t: dict, names) -> str:
    """The detections run on the document, with what the reviewer accepted and rejected of
    their proposals per class (conservation documents how damage was identified)."""
    if not doc.detections:  # "marked by hand" only where something is marked
        return f"<p>{_e(t['none_identification' if _damage_layers(doc) else 'none_found'])}</p>"

    def count(c, what):
        return f"{c.get(what + '_regions', 0):,} ({c.get(what + '_pixels', 0):,} px)"

    header = [t["detector"], t["weights"], t["time"], t["class"], t["threshold"], t["proposed"], t["accepted"],
              t["rejected"]]
    rows = []
    for entry in doc.detections:
        for name, c in entry["classes"].items():
            if not any(c.get(k) for k in ("proposed_regions", "accepted_regions", "rejected_regions")):
                continue  # a class this detector proposed nothing of
            weights = (entry.get("weights_sha256") or "—")[:16]
            rows.append([_engine_with_settings(entry), weights, entry["time"], names(name), f"{c.get('threshold', 0):.2f}",
                         count(c, "proposed"), count(c, "accepted"), count(c, "rejected")])
    return (f"<p>{_e(t['identification_note'])}</p><table class='grid'><thead><tr>"
            + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr></thead>"
            + "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows) + "</table>")


def build_report(doc, language: str = "en", longest: int = 1400) -> Report:
    """The report of ``doc`` (a Document) in ``language`` ("en" or "zh_CN")."""
    import time

    from muralstudio import __version__
    from muralstudio.core.document import PROPERTY_FIELDS, LabelLayer, RestorationLayer
    from muralstudio.core.imageio import to_rgb8
    from muralstudio.ops.measure import measure_layers

    if language not in TEXT:
        raise ValueError(f"report language must be one of {', '.join(TEXT)}, not {language!r}")
    t = TEXT[language]
    names = (lambda n: CLASS_NAMES_ZH.get(n, n)) if language == "zh_CN" else (lambda n: n)
    scale = doc.mm_per_px
    cm2 = (scale / 10) ** 2 if scale else None
    images, parts, sections = {}, [], []

    def section(key: str) -> None:
        sections.append(t[key])
        # the map and the interventions start pages of their own (their figures are large)
        brk = " style='page-break-before: always'" if key in ("damage_map", "interventions") else ""
        parts.append(f"<h2{brk}>{_e(t[key])}</h2>")

    parts.append(f"<h1>{_e(t['title'])}</h1>")
    # -- object ---------------------------------------------------------------------------
    section("object")
    rows = [(t[k], doc.properties[k]) for k in PROPERTY_FIELDS if doc.properties.get(k)]
    source = doc.source.path.name if doc.source.path else doc.title  # an embedded source: the project
    rows += [(t["image"], source), (t["size"], f"{doc.width} × {doc.height} px"),
             (t["scale"], f"{scale:.4g} mm/px ({t['scale_user'] if doc.scale_origin == 'user' else t['scale_file']}); "
                          f"{doc.width * scale / 10:.1f} × {doc.height * scale / 10:.1f} cm" if scale else t["no_scale"]),
             (t["sha"], doc.source_sha256())]
    parts.append("<table class='facts'>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
                 + "</table>")
    # -- overview -------------------------------------------------------------------------
    section("overview")
    overview = _thumbnail(to_rgb8(doc.restored_image()), longest)
    shown_scale = scale * doc.width / overview.shape[1] if scale else None
    parts.append(_figure(images, "overview.png", scale_bar(overview, shown_scale)))
    # -- damage map -----------------------------------------------------------------------
    section("damage_map")
    damage, legend = _damage_map(doc, longest)
    if legend:
        parts.append(_figure(images, "damage.png", scale_bar(damage, shown_scale)))
        rows = measure_layers([l for l in doc.layers if l.kind == "mask"], doc.width * doc.height, scale)
        areas = {r.layer: r for r in rows}
        parts.append(f"<p><b>{_e(t['legend'])}</b></p><table>" + "".join(
            f"<tr><td style='background-color: rgb{c}; width: 24px; border: 1px solid #606060'>&nbsp;&nbsp;&nbsp;</td><td>{_e(n)}</td>"
            f"<td>{areas[n].pixels:,} px</td><td>{'' if areas[n].area_cm2 is None else f'{areas[n].area_cm2:.2f} cm²'}</td></tr>"
            for n, c in legend if n in areas) + "</table>")
    else:
        proposals = [l for l in doc.layers if l.kind == "mask" and getattr(l, "proposed", False) and l.area]
        if proposals:  # a batch project: the detector's proposals await a conservator
            what = ", ".join(f"{l.name}: {int(l.area):,} px" for l in proposals)
            parts.append(f"<p>{_e(t['only_proposed'].format(pixels=f'{sum(int(l.area) for l in proposals):,}', what=what))}</p>")
        else:
            parts.append(f"<p>{_e(t['none_damage'])}</p>")
    # -- how the damage was found ---------------------------------------------------------
    section("identification")
    parts.append(_identification(doc, t, names))
    # -- measurements ---------------------------------------------------------------------
    section("measurements")
    rows = measure_layers(doc.layers, doc.width * doc.height, scale)
    header = [t["layer"], t["what"], t["pixels"], t["share"], t["regions"], t["largest"], t["area"]]
    parts.append("<table class='grid'><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr></thead>" + "".join(
        f"<tr><td>{_e(r.layer)}</td><td>{_e(names(r.what))}</td><td align='right'>{r.pixels:,}</td>"
        f"<td align='right'>{r.share:.2%}</td><td align='right'>{r.regions}</td><td align='right'>{r.largest_pixels:,}</td>"
        f"<td align='right'>{'—' if r.area_cm2 is None else f'{r.area_cm2:.2f}'}</td></tr>" for r in rows) + "</table>")
    # -- interventions --------------------------------------------------------------------
    section("interventions")
    restorations = [l for l in doc.layers if isinstance(l, RestorationLayer)]
    if not restorations:
        parts.append(f"<p>{_e(t['none_interventions'])}</p>")
    for n, layer in enumerate(restorations, 1):
        record = layer.record
        pixels = int(sum(p.mask.sum() for p in layer.patches))
        facts = [(t["engine"], f"{record.engine} ({record.engine_version})"),
                 (t["weights"], record.weights_sha256 or "—"),
                 (t["parameters"], json.dumps(record.parameters, ensure_ascii=False, sort_keys=True)),
                 (t["time"], record.created),
                 (t["restored_area"], f"{pixels:,} px" + (f", {pixels * cm2:.2f} cm²" if cm2 else "")),
                 (t["state"], t["pending"] if layer.pending else t["applied"])]
        if record.confirmed_risks:  # the window's warning, answered Yes: part of the documentation
            risks = record.confirmed_risks
            facts.append((t["warned"], t["warned_text"].format(
                unsure=sum(r["reason"] == "unsure" for r in risks), dark=sum(r["reason"] == "dark" for r in risks),
                x=risks[0]["box"][0], y=risks[0]["box"][1])))
        parts.append(f"<h3>{n}. {_e(layer.name)}</h3><table class='facts'>" + "".join(
            f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts) + "</table>")
        parts.append(_figure(images, f"intervention-{n}.png", _before_after(doc, layer),
                             f"{_e(t['before_after'])} ({_e(t['hatched'])})"))
        details = _details(doc, layer)
        if details is not None:
            parts.append(_figure(images, f"intervention-{n}-details.png", details, _e(t["details"]),
                                 min(FIGURE_WIDTH, details.shape[1])))
    # -- elements -------------------------------------------------------------------------
    section("elements")
    label_layers = [l for l in doc.layers if isinstance(l, LabelLayer)]
    if not label_layers:
        parts.append(f"<p>{_e(t['none_elements'])}</p>")
    from muralstudio.ops.measure import measure_elements

    elements = measure_elements(label_layers, scale)  # once: the summary and the listing
    for layer in label_layers:
        counts: dict[str, list] = {}
        for element in (e for e in elements if e.layer == layer.name):
            entry = counts.setdefault(element.what, [0, 0])
            entry[0] += 1
            entry[1] += element.pixels
        parts.append(f"<h3>{_e(layer.name)}</h3><table class='grid'><thead><tr><th>{_e(t['class'])}</th><th>{_e(t['count'])}</th>"
                     f"<th>{_e(t['pixels'])}</th><th>{_e(t['area'])}</th></tr></thead>" + "".join(
                         f"<tr><td>{_e(names(c))}</td><td align='right'>{k}</td><td align='right'>{a:,}</td>"
                         f"<td align='right'>{'—' if not cm2 else f'{a * cm2:.2f}'}</td></tr>"
                         for c, (k, a) in counts.items()) + "</table>")
    def element_name(e) -> str:
        from muralstudio.core.elements import translated_element_name

        return translated_element_name(e.element, e.what, names)

    if elements:
        parts.append(f"<p><b>{_e(t['largest_elements'])}</b></p><table class='grid'><thead><tr><th>{_e(t['element'])}</th>"
                     f"<th>{_e(t['class'])}</th><th>{_e(t['pixels'])}</th><th>{_e(t['area'])}</th><th>{_e(t['box'])}</th></tr></thead>"
                     + "".join(f"<tr><td>{_e(element_name(e))}</td><td>{_e(names(e.what))}</td><td align='right'>{e.pixels:,}</td>"
                               f"<td align='right'>{'—' if e.area_cm2 is None else f'{e.area_cm2:.2f}'}</td>"
                               f"<td>{_e(', '.join(f'{v:g}' for v in e.box_cm) + ' cm' if e.box_cm else ', '.join(map(str, e.box_px)) + ' px')}</td></tr>"
                               for e in elements[:40]) + "</table>")
    stamp = time.strftime("%Y-%m-%d %H:%M")
    parts.append(f"<p class='foot'>{_e(t['generated'].replace('%1', __version__).replace('%2', stamp))}</p>")
    # a Latin family first: Chinese characters fall back to a CJK one (a CJK font first loses the
    # digits of mixed runs from the PDF's text)
    style = ("<style>body { font-family: 'DejaVu Sans', 'Noto Sans', Arial, 'Noto Sans CJK SC', "
             "'Microsoft YaHei', sans-serif; font-size: 10pt; } "
             "h1 { font-size: 18pt; } h2 { font-size: 14pt; margin-top: 14px; } h3 { font-size: 11pt; } "
             "table.grid th, table.grid td, table.facts th, table.facts td { padding: 2px 6px; } "
             "table.facts th { text-align: left; } .foot { font-size: 8pt; color: #555; } "
             "p.caption { margin-bottom: 2px; } p.figure { margin-top: 0px; }</style>")
    title = f"{t['title']} — {source}"
    body = (f"<html><head><meta charset='utf-8'><title>{_e(title)}</title>{style}</head>"
            f"<body>{''.join(parts)}</body></html>")
    return Report(language, body, images, sections, title)


def _restored_window(doc, layer, x0: int, y0: int, x1: int, y1: int):
    """Before and after of the image window (x0, y0)–(x1, y1), and which of its pixels the
    restoration ``layer`` fills."""
    from muralstudio.core.imageio import to_rgb8

    before = to_rgb8(doc.source.read_region(x0, y0, x1 - x0, y1 - y0))
    after = before.copy()
    filled = np.zeros(before.shape[:2], bool)
    for patch in layer.patches:
        px0, py0 = max(patch.x, x0), max(patch.y, y0)
        px1, py1 = min(patch.x + patch.mask.shape[1], x1), min(patch.y + patch.mask.shape[0], y1)
        if px0 >= px1 or py0 >= py1:
            continue
        inside = (slice(py0 - patch.y, py1 - patch.y), slice(px0 - patch.x, px1 - patch.x))
        mask = patch.mask[inside]
        window = (slice(py0 - y0, py1 - y0), slice(px0 - x0, px1 - x0))
        after[window][mask] = to_rgb8(patch.pixels[inside])[mask]
        filled[window] |= mask
    return before, after, filled


def _outlined(after: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """``after`` with a 1-px yellow line round the filled areas, outside them: the restored
    paint itself stays visible, however small (flakes of 3 px)."""
    import cv2

    ring = (cv2.dilate(filled.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~filled
    out = after.copy()
    out[ring] = (255, 220, 0)
    return out


#: wall shown round a restoration's patches in the before/after figure (px)
BEFORE_AFTER_PAD = 16


def _before_after(doc, layer, longest: int = 480) -> np.ndarray:
    """The bounding box of a restoration's patches, before and after, restored areas outlined."""
    x, y, w, h = layer.bbox
    x0, y0 = max(0, x - BEFORE_AFTER_PAD), max(0, y - BEFORE_AFTER_PAD)
    x1, y1 = min(doc.width, x + w + BEFORE_AFTER_PAD), min(doc.height, y + h + BEFORE_AFTER_PAD)
    before, after, filled = _restored_window(doc, layer, x0, y0, x1, y1)
    gap = np.full((before.shape[0], 8, 3), 255, np.uint8)
    return _thumbnail(np.concatenate([before, gap, _outlined(after, filled)], axis=1), longest * 2)


def _details(doc, layer, count: int = 4, side: int = 240, longest: int = 480) -> np.ndarray | None:
    """The ``count`` largest restored regions enlarged, before above after, side by side — for a
    restoration spread over a wall, whose fills are too small to see in :func:`_before_after`
    (None when that figure, ``longest`` px a side, shows them at full size)."""
    import cv2

    _, _, w, h = layer.bbox
    if max(w, h) + 2 * BEFORE_AFTER_PAD <= longest:
        return None
    regions = []  # (pixels, x, y, w, h) of each patch's regions, in image coordinates
    for patch in layer.patches:
        _, _, stats, _ = cv2.connectedComponentsWithStats(patch.mask.astype(np.uint8), connectivity=8)
        regions += [(int(area), patch.x + int(x), patch.y + int(y), int(w), int(h)) for x, y, w, h, area in stats[1:]]
    columns, shown = [], []
    for _, x, y, w, h in sorted(regions, reverse=True):
        if len(columns) == count:
            break
        if max(w, h) > side:  # a large fill is seen in the whole view (and its window would be huge)
            continue
        size = max(48, 2 * max(w, h))  # the region with as much wall again round it
        cx, cy = x + w // 2, y + h // 2
        if any(a <= cx < c and b <= cy < d for a, b, c, d in shown):
            continue  # already in an enlarged window
        wx0, wy0 = max(0, min(cx - size // 2, doc.width - size)), max(0, min(cy - size // 2, doc.height - size))
        wx1, wy1 = min(doc.width, wx0 + size), min(doc.height, wy0 + size)
        shown.append((wx0, wy0, wx1, wy1))
        before, after, filled = _restored_window(doc, layer, wx0, wy0, wx1, wy1)
        pair = [cv2.resize(image, (side, max(1, side * image.shape[0] // image.shape[1])),
                           interpolation=cv2.INTER_NEAREST if image.shape[1] < side else cv2.INTER_AREA)
                for image in (before, _outlined(after, filled))]
        columns.append(np.concatenate([pair[0], np.full((6, side, 3), 255, np.uint8), pair[1]], axis=0))
    if not columns:
        return None
    height = max(c.shape[0] for c in columns)
    columns = [np.pad(c, ((0, height - c.shape[0]), (0, 8), (0, 0)), constant_values=255) for c in columns]
    return np.concatenate(columns, axis=1)


def png_bytes(rgb: np.ndarray) -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise ValueError("could not encode a report image")
    return data.tobytes()


def write_html(report: Report, path) -> Path:
    """One self-contained HTML file (images inline as data URIs), written atomically."""
    from muralstudio.core.atomic import atomic_write

    text = report.html
    for name, rgb in report.images.items():
        uri = "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode("ascii")
        text = text.replace(f"src='{name}'", f"src='{uri}'")
    text = text.replace("<html>", f"<html lang='{'zh-CN' if report.language == 'zh_CN' else 'en'}'>", 1)
    with atomic_write(path, "w") as handle:
        handle.write(text)
    return Path(path)
