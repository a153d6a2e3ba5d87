"""Simplified Chinese translations of the window's strings, merged into the Qt .ts file.

    python tools/zh_CN.py      # after `pyside6-lupdate muralstudio/gui/*.py -ts ...`

Keeping the translations in a plain dict makes them easy to review in a diff; the .ts file
(for Qt Linguist) and the compiled .qm are generated from it. A test fails when a string of the
window has no translation here.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ZH_CN = {
    "A label layer holds at most 255 classes.": "一个标注图层最多容纳 255 个类别。",
    "Add class": "添加类别",
    "Add class…": "添加类别…",
    "Colour…": "颜色…",
    "Export training set to": "将训练集导出到",
    "Export training set…": "导出训练集…",
    "Label a mask layer": "用蒙版图层标注",
    "Label a mask layer…": "用蒙版图层标注…",
    "Label mask as %1": "将蒙版标注为 %1",
    "Label region as %1": "将区域标注为 %1",
    "Label the click region": "标注点选区域",
    "Labels": "标注",
    "Make a label layer to start labelling elements.": "请先新建标注图层再标注元素。",
    "Make a region with the Click-segment tool first.": "请先用点选分割工具生成一个区域。",
    "Mask layer:": "蒙版图层：",
    "Name:": "名称：",
    "New label layer": "新建标注图层",
    "Processing tile size": "处理分块大小",
    "Rename class": "重命名类别",
    "Rename…": "重命名…",
    "Select a class, then label the click-segment region or a brushed mask layer with it.": "选择一个类别，然后用它标注点选分割区域或画笔绘制的蒙版图层。",
    "There is no mask layer to take the region from.": "没有可取区域的蒙版图层。",
    "Wrote %1 image/label pairs to %2": "已将 %1 组图像/标注写入 %2",
    "elements": "元素",
    "Saving %1…": "正在保存 %1…",
    "calibrated": "已校准",
    " px": " 像素",
    "Click region": "点选区域",
    "Click region (subtract)": "点选区域（减去）",
    "Click segment": "点选分割",
    "Click segment (C): left click = part of the region, right or Alt+click = not part; Backspace removes the last click, Enter adds the region to the mask layer, Shift+Enter subtracts it, Esc discards": "点选分割 (C)：左键 = 属于区域，右键或 Alt+单击 = 不属于；Backspace 撤回上一次点击，Enter 将区域加入蒙版图层，Shift+Enter 从中减去，Esc 放弃",
    "Click segment: Enter adds, Shift+Enter subtracts, Esc discards": "点选分割：Enter 加入，Shift+Enter 减去，Esc 放弃",
    "Click segment: computing the region…": "点选分割：正在计算区域…",
    "Click segment: preparing the image…": "点选分割：正在准备图像…",
    "Detect": "检测",
    "Detect (%1)": "检测 (%1)",
    "Detect damage": "检测病害",
    "Engine of the click-segment tool": "点选分割工具使用的引擎",
    "Minimum area": "最小面积",
    "Segment (%1)": "分割 (%1)",
    "Start a region with a positive (left) click.": "请先用正向（左键）点击开始一个区域。",
    "The region is still being computed.": "区域仍在计算中。",
    "Threshold": "阈值",
    "Update layers": "更新图层",
    "found %1 — review the layers, then merge them into the working mask": "发现 %1 — 请检查这些图层，然后合并到工作蒙版",
    "&Actual Size (100 %)": "实际大小 (100 %)(&A)",
    "&Compare (hold \\ to see the original)": "对比（按住 \\ 查看原图）(&C)",
    "&Difference": "差异(&D)",
    "&Edit": "编辑(&E)",
    "&Export Restored Image…": "导出修复图像…(&E)",
    "&Feather…": "羽化…(&F)",
    "&File": "文件(&F)",
    "&Fit to Window": "适合窗口(&F)",
    "&Grow…": "扩展…(&G)",
    "&Invert": "反选(&I)",
    "&Mask": "蒙版(&M)",
    "&Off": "关闭(&O)",
    "&Open…": "打开…(&O)",
    "&Quit": "退出(&Q)",
    "&Redo": "重做(&R)",
    "&Redo %1": "重做 %1(&R)",
    "&Remove Specks…": "去除斑点…(&R)",
    "&Save Project": "保存项目(&S)",
    "&Shrink…": "收缩…(&S)",
    "&Split view": "分割视图(&S)",
    "&Undo": "撤销(&U)",
    "&Undo %1": "撤销 %1(&U)",
    "&Union with…": "与…合并(&U)",
    "&View": "视图(&V)",
    "(none)": "（无）",
    "A new language applies after a restart.": "新的语言将在重启后生效。",
    "All visible mask layers": "所有可见的蒙版图层",
    "Apply": "应用",
    "Browse…": "浏览…",
    "Brush": "画笔",
    "Brush stroke": "画笔笔触",
    "Building overview": "正在生成概览",
    "CPU": "CPU",
    "CPU threads": "CPU 线程数",
    "CUDA GPU": "CUDA GPU",
    "Cancel": "取消",
    "Cancel job": "取消任务",
    "Compute device": "计算设备",
    "Context (× hole size)": "上下文（× 缺损尺寸）",
    "Could not export: %1": "无法导出：%1",
    "Could not save the project: %1": "无法保存项目：%1",
    "Damage mask": "病害蒙版",
    "Deflate": "Deflate",
    "Delete": "删除",
    "Delete the layer": "删除图层",
    "Discard": "放弃",
    "Down": "下移",
    "Duplicate": "复制",
    "Duplicate the layer": "复制图层",
    "Engine": "引擎",
    "Erase": "擦除",
    "Eraser": "橡皮擦",
    "Export": "导出",
    "Export to": "导出到",
    "Exported %1": "已导出 %1",
    "Feather": "羽化",
    "Feather radius (pixels):": "羽化半径（像素）：",
    "File": "文件",
    "Fill &Holes": "填充孔洞(&H)",
    "Fill holes": "填充孔洞",
    "Format": "格式",
    "Grow": "扩展",
    "Grow by (pixels):": "扩展量（像素）：",
    "Hardness": "硬度",
    "History": "历史记录",
    "I&ntersect with…": "与…相交(&N)",
    "Indexed PNG (class values, class colours)": "索引 PNG（类别值与类别颜色）",
    "Inpaint": "修复",
    "Jobs": "任务",
    "Inpaint (%1)": "修复（%1）",
    "Intersect": "相交",
    "Invert": "反选",
    "JPEG, 8-bit (for sharing)": "JPEG，8 位（用于分享）",
    "LZW": "LZW",
    "Labels: %1": "标注：%1",
    "Language": "语言",
    "Largest image to open whole": "整体打开的最大图像",
    "Layer '%1' is locked.": "图层“%1”已锁定。",
    "Layers": "图层",
    "Locate the source image of %1": "查找 %1 的源图像",
    "Lock": "锁定",
    "Lock or unlock the layer": "锁定或解锁图层",
    "Mask: %1": "蒙版：%1",
    "Match colour to the surroundings": "颜色与周围匹配",
    "Merge down": "向下合并",
    "Merge this mask into the mask below": "将此蒙版合并到下方的蒙版",
    "Move the layer down": "下移图层",
    "Move the layer up": "上移图层",
    "MuralStudio": "MuralStudio 壁画修复工作站",
    "MuralStudio did not close normally. Recover the unsaved changes to %1?":
        "MuralStudio 上次未正常关闭。是否恢复 %1 未保存的更改？",
    "MuralStudio projects (*.mural)": "MuralStudio 项目 (*.mural)",
    "Navigate": "浏览",
    "Navigator": "导航器",
    "New": "新建",
    "New &Mask Layer": "新建蒙版图层(&M)",
    "New empty mask layer": "新建空白蒙版图层",
    "Opacity": "不透明度",
    "Open &Demo Mural": "打开示例壁画(&D)",
    "Open &Recent": "最近打开(&R)",
    "Open image or project": "打开图像或项目",
    "Opened": "已打开",
    "PNG, 8-bit (for sharing)": "PNG，8 位（用于分享）",
    "PNG, 8-bit mask": "PNG，8 位蒙版",
    "Polygon fill": "多边形填充",
    "Proposal": "修复提案",
    "Recover unsaved work": "恢复未保存的工作",
    "Recovery copy saved": "已保存恢复副本",
    "Remove specks": "去除斑点",
    "Restore": "修复",
    "Restored image": "修复后的图像",
    "Save Project &As…": "项目另存为…(&A)",
    "Save project": "保存项目",
    "Save the changes to %1?": "是否保存对 %1 的更改？",
    "Saved %1": "已保存 %1",
    "Se&ttings…": "设置…(&T)",
    "Settings": "设置",
    "Shrink": "收缩",
    "Shrink by (pixels):": "收缩量（像素）：",
    "Side &by side": "并排对比(&B)",
    "Size": "大小",
    "Smallest region to keep (pixels):": "保留的最小区域（像素）：",
    "Su&btract…": "减去…(&B)",
    "Subtract": "减去",
    "TIFF compression": "TIFF 压缩",
    "TIFF, %1-bit as the source, ICC and record kept": "TIFF，与源图相同的 %1 位，保留 ICC 与修复记录",
    "TIFF, 8-bit mask": "TIFF，8 位蒙版",
    "The chosen mask is empty: paint or detect damage first.": "所选蒙版为空：请先绘制或检测病害。",
    "There is no other mask layer to combine with.": "没有可以组合的其他蒙版图层。",
    "Tile cache memory": "图块缓存内存",
    "Tools": "工具",
    "Undo history memory": "撤销历史内存",
    "Union": "合并",
    "Unlock": "解锁",
    "Unsaved changes": "未保存的更改",
    "Up": "上移",
    "With layer:": "与图层：",
    "Zoom &In": "放大(&I)",
    "Zoom &Out": "缩小(&O)",
    "building overview…": "正在生成概览…",
    "cancelled: nothing was changed": "已取消：未做任何更改",
    "damage": "病害",
    "done: review the proposal, then Apply or Discard": "完成：请检查修复提案，然后应用或放弃",
    "failed: %1": "失败：%1",
    "labels": "标注",
    "mask": "蒙版",
    "note": "注释",
    "proposal": "提案",
    "queued": "排队中",
    "restoration": "修复",
    "running": "运行中",
    "x %1  y %2  value %3  (%4-bit)": "x %1  y %2  值 %3（%4 位）",
}

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "muralstudio" / "gui" / "i18n" / "muralstudio_zh_CN.ts"
QM = TS.with_suffix(".qm")


def source_strings(ts_path: Path) -> set[str]:
    return {m.findtext("source") for m in ET.parse(ts_path).getroot().iter("message")}


def main() -> int:
    subprocess.run(["pyside6-lupdate", *map(str, sorted((ROOT / "muralstudio" / "gui").glob("*.py"))),
                    "-no-obsolete", "-ts", str(TS)], check=True)
    tree = ET.parse(TS)
    missing = []
    for message in tree.getroot().iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if source in ZH_CN:
            translation.text = ZH_CN[source]
            translation.attrib.pop("type", None)
        else:
            missing.append(source)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    subprocess.run(["pyside6-lrelease", str(TS), "-qm", str(QM)], check=True)
    for source in missing:
        print(f"untranslated: {source!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
