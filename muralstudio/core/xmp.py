"""XMP metadata of restored exports: what archives and image managers read (Adobe Bridge,
digiKam, exiftool) beside our own record. Dublin Core title / creator / rights, one
``xmpMM:History`` event per intervention (software, engine and parameters, time) and the
SHA-256 of the unrestored source. Written as an XMP packet (TIFF tag 700, PNG iTXt
``XML:com.adobe.xmp``) and read back by :func:`parse_xmp`."""

from __future__ import annotations

from pathlib import Path

import json
import xml.etree.ElementTree as ET
from muralstudio.core.imageio.common import json_text

NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
    "stEvt": "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#",
    "mural": "https://muralstudio.example/ns/1.0/",
}
PNG_KEY = "XML:com.adobe.xmp"
TIFF_TAG = 700

for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _alt(parent, prefix: str, name: str, text: str) -> None:
    alt = ET.SubElement(ET.SubElement(parent, _q(prefix, name)), _q("rdf", "Alt"))
    li = ET.SubElement(alt, _q("rdf", "li"))
    li.set("{http://www.w3.org/XML/1998/namespace}lang", "x-default")
    li.text = text


def build_xmp(record_json: str, title: str = "", creator: str = "", rights: str = "") -> str:
    """The XMP packet of an export whose restoration record is ``record_json``."""
    record = json.loads(record_json)
    meta = ET.Element(_q("x", "xmpmeta"))
    rdf = ET.SubElement(meta, _q("rdf", "RDF"))
    desc = ET.SubElement(rdf, _q("rdf", "Description"))
    desc.set(_q("rdf", "about"), "")
    if title:
        _alt(desc, "dc", "title", title)
    if creator:
        seq = ET.SubElement(ET.SubElement(desc, _q("dc", "creator")), _q("rdf", "Seq"))
        ET.SubElement(seq, _q("rdf", "li")).text = creator
    if rights:
        _alt(desc, "dc", "rights", rights)
    source = record.get("source") or {}
    if source.get("sha256"):
        ET.SubElement(desc, _q("mural", "SourceSHA256")).text = source["sha256"]
    history = ET.SubElement(ET.SubElement(desc, _q("xmpMM", "History")), _q("rdf", "Seq"))
    for item in record.get("restorations", []):
        event = ET.SubElement(history, _q("rdf", "li"))
        event.set(_q("rdf", "parseType"), "Resource")
        ET.SubElement(event, _q("stEvt", "action")).text = "edited"
        ET.SubElement(event, _q("stEvt", "when")).text = str(item.get("created", ""))
        ET.SubElement(event, _q("stEvt", "softwareAgent")).text = \
            f"MuralStudio {item.get('software_version', record.get('muralstudio', ''))}"
        ET.SubElement(event, _q("stEvt", "parameters")).text = json_text(
            {"engine": item.get("engine"), "weights_sha256": item.get("weights_sha256"),
             "mask_sha256": item.get("mask_sha256"), "mask_pixels": item.get("mask_pixels"),
             "parameters": item.get("parameters")}, indent=None, sort_keys=True)
    # a file name of another encoding than UTF-8 (lone surrogates) cannot stand in XML: its
    # undecodable bytes show as U+FFFD (the record's JSON beside it keeps the name exactly)
    body = ET.tostring(meta, encoding="unicode").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>{body}<?xpacket end="w"?>'


def parse_xmp(text: str) -> dict:
    """title, creator, rights, source_sha256 and history (a list of dicts) of an XMP packet."""
    start, end = text.find("<x:xmpmeta"), text.rfind("</x:xmpmeta>")
    if start < 0 or end < 0:
        raise ValueError("no x:xmpmeta element in the XMP packet")
    root = ET.fromstring(text[start:end + len("</x:xmpmeta>")])
    desc = root.find(f"{_q('rdf', 'RDF')}/{_q('rdf', 'Description')}")

    def first(path):
        node = desc.find(path) if desc is not None else None
        return node.text if node is not None else ""

    li = _q("rdf", "li")
    out = {"title": first(f"{_q('dc', 'title')}/{_q('rdf', 'Alt')}/{li}"),
           "creator": first(f"{_q('dc', 'creator')}/{_q('rdf', 'Seq')}/{li}"),
           "rights": first(f"{_q('dc', 'rights')}/{_q('rdf', 'Alt')}/{li}"),
           "source_sha256": first(_q("mural", "SourceSHA256")), "history": []}
    for event in desc.findall(f"{_q('xmpMM', 'History')}/{_q('rdf', 'Seq')}/{li}") if desc is not None else []:
        item = {child.tag.split("}")[1]: child.text for child in event}
        if item.get("parameters"):
            item["parameters"] = json.loads(item["parameters"])
        out["history"].append(item)
    return out


def write_sidecar(image_path, packet: str) -> Path:
    """``IMAGE.xmp`` beside an image (the name digital-asset tools look for), written atomically."""
    from muralstudio.core.atomic import atomic_write

    path = Path(image_path).with_suffix(".xmp")
    with atomic_write(path, "w") as handle:
        handle.write(packet)
    return path
