"""Image I/O: lossless round trips, lazy region reads, odd modes, bad input and fuzzing."""

from __future__ import annotations

import os
import struct

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from conftest import random_image
from muralstudio.core import imageio
from muralstudio.core.atomic import protect_original
from muralstudio.core.errors import (
    CorruptImageError,
    EmptyImageError,
    ImageIOError,
    ImageTooLargeError,
    ProtectedFileError,
    UnreadableFileError,
    UnsupportedImageError,
)


def make_info(icc=None, dpi=(300.0, 300.0), **tags):
    return imageio.ImageInfo(path=None, format="TIFF", width=0, height=0, channels=3,
                             dtype=np.uint8, icc_profile=icc, dpi=dpi, tags=dict(tags))


# --- lossless round trips ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("compression,tile", [("deflate", (256, 256)), ("lzw", None), ("none", (256, 256))])
def test_tiff_round_trip_is_pixel_exact_with_icc_and_tags(tmp_path, rng, srgb_icc, dtype, channels,
                                                          compression, tile):
    shape = (300, 520) if channels == 1 else (300, 520, channels)
    pixels = random_image(rng, shape, dtype)
    info = make_info(srgb_icc, Artist="Mogao team", ImageDescription="Cave 257, north wall",
                     Copyright="Dunhuang Academy")
    path = imageio.write_tiff(tmp_path / "out.tif", pixels, info, compression=compression,
                              tile=tile, record_json='{"restorations": []}')
    loaded = imageio.read_image(path)
    assert loaded.pixels.dtype == dtype
    assert loaded.pixels.shape == shape
    assert np.array_equal(loaded.pixels, pixels)
    assert loaded.info.icc_profile == srgb_icc
    assert loaded.info.dpi == (300.0, 300.0)
    assert loaded.info.tags["Artist"] == "Mogao team"
    assert loaded.info.tags["ImageDescription"] == "Cave 257, north wall"
    assert loaded.info.tags["Copyright"] == "Dunhuang Academy"
    assert loaded.info.has_alpha == (channels in (2, 4))
    assert loaded.info.record_json == '{"restorations": []}'
    assert loaded.info.tiled == (tile is not None)


def test_icc_description_is_read_from_profile(srgb_icc):
    assert "sRGB" in imageio.icc_description(srgb_icc)


def test_dpi_in_centimetres_is_converted(tmp_path, rng):
    pixels = random_image(rng, (20, 20, 3), np.uint8)
    tifffile.imwrite(tmp_path / "cm.tif", pixels, resolution=(100, 100), resolutionunit="CENTIMETER")
    assert imageio.read_header(tmp_path / "cm.tif").dpi == (254.0, 254.0)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trip_keeps_depth_alpha_icc_dpi(tmp_path, rng, srgb_icc, dtype, channels):
    shape = (90, 130) if channels == 1 else (90, 130, channels)
    pixels = random_image(rng, shape, dtype)
    info = make_info(srgb_icc, dpi=(150.0, 150.0))
    imageio.write_png(tmp_path / "out.png", pixels, info, text={"MuralStudioRecord": "{}"})
    loaded = imageio.read_image(tmp_path / "out.png")
    assert loaded.pixels.dtype == dtype
    assert np.array_equal(loaded.pixels, pixels)
    assert loaded.info.icc_profile == srgb_icc
    assert loaded.info.dpi == pytest.approx((150.0, 150.0), abs=0.03)  # PNG stores pixels per metre
    assert loaded.info.record_json == "{}"


def test_bigtiff_and_tiled_striped_layouts_are_read(tmp_path, rng):
    pixels = random_image(rng, (700, 900, 3), np.uint16)
    imageio.write_tiff(tmp_path / "big.tif", pixels, bigtiff=True)
    header = imageio.read_header(tmp_path / "big.tif")
    assert header.bigtiff and header.tiled
    assert np.array_equal(imageio.read_image(tmp_path / "big.tif").pixels, pixels)
    tifffile.imwrite(tmp_path / "strips.tif", pixels, rowsperstrip=37, compression="zlib")
    header = imageio.read_header(tmp_path / "strips.tif")
    assert not header.tiled and header.chunk_shape == (37, 900)
    assert np.array_equal(imageio.read_image(tmp_path / "strips.tif").pixels, pixels)


def test_bigtiff_is_chosen_automatically_only_when_needed(tmp_path, rng, monkeypatch):
    calls = {}
    real = tifffile.imwrite

    def spy(*args, **kwargs):
        calls["bigtiff"] = kwargs["bigtiff"]
        return real(*args, **kwargs)

    monkeypatch.setattr(tifffile, "imwrite", spy)
    imageio.write_tiff(tmp_path / "small.tif", random_image(rng, (10, 10, 3), np.uint8))
    assert calls["bigtiff"] is False
    huge = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint16), shape=(40000, 40000, 3),
                                           strides=(0, 0, 0))
    assert huge.nbytes > 2**32
    monkeypatch.setattr(tifffile, "imwrite", lambda *a, **k: calls.update(bigtiff=k["bigtiff"]))
    imageio.write_tiff(tmp_path / "huge.tif", huge)
    assert calls["bigtiff"] is True


def test_multipage_tiff_takes_first_page_and_says_so(tmp_path, rng):
    first = random_image(rng, (40, 50, 3), np.uint8)
    with tifffile.TiffWriter(tmp_path / "pages.tif") as writer:
        writer.write(first, photometric="rgb")
        writer.write(random_image(rng, (20, 20, 3), np.uint8), photometric="rgb")
    loaded = imageio.read_image(tmp_path / "pages.tif")
    assert np.array_equal(loaded.pixels, first)
    assert loaded.info.pages == 2
    assert any("2 pages" in w and "first" in w for w in loaded.info.warnings)


@pytest.mark.parametrize("fmt,suffix", [("JPEG", ".jpg"), ("BMP", ".bmp"), ("WEBP", ".webp")])
def test_other_formats_are_read(tmp_path, rng, fmt, suffix):
    pixels = random_image(rng, (64, 80, 3), np.uint8)
    Image.fromarray(pixels).save(tmp_path / f"x{suffix}", format=fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    loaded = imageio.read_image(tmp_path / f"x{suffix}")
    assert loaded.pixels.shape == (64, 80, 3) and loaded.info.format == fmt
    if fmt != "JPEG":
        assert np.array_equal(loaded.pixels, pixels)


def test_every_write_suffix_is_read_back_by_the_codec_that_wrote_it(tmp_path, rng):
    """One codec list drives reading, writing and the suffix list: each suffix a codec writes
    gives a file whose signature that codec alone claims, and the suffix is one it reads."""
    pixels = random_image(rng, (20, 30, 3), np.uint8)
    for codec in imageio.CODECS:
        for suffix in codec.write_suffixes:
            path = imageio.write_image(tmp_path / f"x{suffix}", pixels)
            claims = [c.name for c in imageio.CODECS if c.sniff(path.read_bytes()[:16])]
            assert claims == [codec.name]
            assert suffix in codec.suffixes and suffix in imageio.READ_SUFFIXES
            assert imageio.read_header(path).format == codec.name
    with pytest.raises(ValueError, match=r"cannot write \.bmp; use \.tif, \.png or \.jpg"):
        imageio.write_image(tmp_path / "x.bmp", pixels)


# --- odd modes ---------------------------------------------------------------------------------

def test_cmyk_tiff_is_converted_with_warning(tmp_path):
    cmyk = np.zeros((4, 4, 4), np.uint8)
    cmyk[0, 0] = (255, 0, 0, 0)  # pure cyan
    cmyk[1, 1] = (0, 0, 0, 255)  # black
    tifffile.imwrite(tmp_path / "cmyk.tif", cmyk, photometric="separated")
    loaded = imageio.read_image(tmp_path / "cmyk.tif")
    assert loaded.pixels.shape == (4, 4, 3)
    assert tuple(loaded.pixels[0, 0]) == (0, 255, 255)
    assert tuple(loaded.pixels[1, 1]) == (0, 0, 0)
    assert tuple(loaded.pixels[2, 2]) == (255, 255, 255)
    assert any("CMYK" in w for w in loaded.info.warnings)


def test_cmyk_jpeg_is_converted_with_warning(tmp_path):
    Image.new("CMYK", (16, 16), (0, 0, 0, 0)).save(tmp_path / "cmyk.jpg")
    loaded = imageio.read_image(tmp_path / "cmyk.jpg")
    assert loaded.pixels.shape == (16, 16, 3)
    assert any("CMYK" in w for w in loaded.info.warnings)


def test_palette_images_become_rgb(tmp_path):
    idx = np.array([[0, 1], [2, 1]], np.uint8)
    cmap = np.zeros((3, 256), np.uint16)
    cmap[:, 1] = (65535, 0, 0)
    cmap[:, 2] = (0, 0, 65535)
    tifffile.imwrite(tmp_path / "pal.tif", idx, photometric="palette", colormap=cmap)
    loaded = imageio.read_image(tmp_path / "pal.tif")
    assert loaded.pixels.tolist() == [[[0, 0, 0], [255, 0, 0]], [[0, 0, 255], [255, 0, 0]]]
    img = Image.fromarray(idx, mode="P")
    img.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * 759)
    img.save(tmp_path / "pal.png")
    loaded = imageio.read_image(tmp_path / "pal.png")
    assert loaded.pixels[0, 1].tolist() == [255, 0, 0]
    assert any("palette" in w for w in loaded.info.warnings)


def test_float_tiff_in_unit_range_becomes_16_bit(tmp_path):
    data = np.array([[0.0, 0.5], [1.0, 0.25]], np.float32)
    tifffile.imwrite(tmp_path / "f.tif", data)
    loaded = imageio.read_image(tmp_path / "f.tif")
    assert loaded.pixels.dtype == np.uint16
    assert loaded.pixels.tolist() == [[0, 32768], [65535, 16384]]
    assert any("floating point" in w for w in loaded.info.warnings)


def test_float_tiff_outside_unit_range_is_refused_with_reason(tmp_path):
    tifffile.imwrite(tmp_path / "f.tif", np.array([[0.0, 3.5]], np.float32))
    with pytest.raises(UnsupportedImageError, match="outside 0–1"):
        imageio.read_image(tmp_path / "f.tif")


def test_signed_32_bit_tiff_is_refused_naming_the_file(tmp_path):
    tifffile.imwrite(tmp_path / "i32.tif", np.zeros((4, 4), np.int32))
    with pytest.raises(UnsupportedImageError) as err:
        imageio.read_image(tmp_path / "i32.tif")
    assert "i32.tif" in str(err.value) and "32-bit signed" in str(err.value)


def test_min_is_white_and_bilevel_are_normalised(tmp_path):
    tifffile.imwrite(tmp_path / "miw.tif", np.array([[0, 255]], np.uint8), photometric="miniswhite")
    assert imageio.read_image(tmp_path / "miw.tif").pixels.tolist() == [[255, 0]]
    Image.fromarray(np.array([[0, 255]], np.uint8)).convert("1").save(tmp_path / "bw.png")
    loaded = imageio.read_image(tmp_path / "bw.png")
    assert loaded.pixels.dtype == np.uint8 and loaded.pixels.tolist() == [[0, 255]]


# --- regions and headers -----------------------------------------------------------------------

@pytest.mark.parametrize("layout", [{"tile": (128, 128)}, {"rowsperstrip": 50}])
def test_region_read_matches_full_read(tmp_path, rng, layout):
    pixels = random_image(rng, (500, 700, 3), np.uint16)
    tifffile.imwrite(tmp_path / "r.tif", pixels, compression="zlib", photometric="rgb", **layout)
    for x, y, w, h in [(0, 0, 700, 500), (130, 77, 300, 211), (699, 499, 1, 1), (128, 128, 128, 128)]:
        region = imageio.read_region(tmp_path / "r.tif", x, y, w, h)
        assert np.array_equal(region, pixels[y:y + h, x:x + w])
    with pytest.raises(ValueError, match="outside"):
        imageio.read_region(tmp_path / "r.tif", 600, 0, 200, 10)


def _corrupt_last_tile(path):
    with tifffile.TiffFile(path) as tif:
        page = tif.pages[0]
        offset, count = page.dataoffsets[-1], page.databytecounts[-1]
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(b"\xde\xad" * (count // 2))


def test_region_read_decodes_only_the_tiles_it_needs(tmp_path, rng):
    """A damaged far-away tile breaks a full decode but not a region read elsewhere."""
    pixels = random_image(rng, (512, 512, 3), np.uint8)
    tifffile.imwrite(tmp_path / "t.tif", pixels, tile=(256, 256), compression="zlib", photometric="rgb")
    _corrupt_last_tile(tmp_path / "t.tif")
    assert np.array_equal(imageio.read_region(tmp_path / "t.tif", 10, 10, 200, 200),
                          pixels[10:210, 10:210])
    with pytest.raises(CorruptImageError, match="t.tif"):
        imageio.read_image(tmp_path / "t.tif")


def test_header_answers_size_without_decoding(tmp_path, rng):
    pixels = random_image(rng, (300, 400, 3), np.uint16)
    tifffile.imwrite(tmp_path / "h.tif", pixels, tile=(256, 256), compression="zlib", photometric="rgb")
    _corrupt_last_tile(tmp_path / "h.tif")
    assert imageio.image_size(tmp_path / "h.tif") == (400, 300)
    header = imageio.read_header(tmp_path / "h.tif")
    assert (header.bit_depth, header.channels, header.compression) == (16, 3, "adobe_deflate")


# --- bad input ----------------------------------------------------------------------------------

def test_missing_directory_and_empty_files_get_specific_errors(tmp_path):
    with pytest.raises(UnreadableFileError, match="not found"):
        imageio.read_image(tmp_path / "nope.tif")
    with pytest.raises(UnreadableFileError, match="folder"):
        imageio.read_image(tmp_path)
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(CorruptImageError, match="empty"):
        imageio.read_image(tmp_path / "empty.png")
    (tmp_path / "text.tif").write_text("this is not an image")
    with pytest.raises(CorruptImageError, match="text.tif.*does not start like a TIF"):
        imageio.read_image(tmp_path / "text.tif")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UnsupportedImageError, match="unknown file type"):
        imageio.read_header(tmp_path / "notes.txt")


def test_zero_sized_image_is_refused(tmp_path):
    path = tmp_path / "zero.tif"
    tifffile.imwrite(path, np.zeros((1, 1), np.uint8))
    data = bytearray(path.read_bytes())
    ifd = struct.unpack("<I", data[4:8])[0]
    for i in range(struct.unpack("<H", data[ifd:ifd + 2])[0]):
        entry = ifd + 2 + 12 * i
        if struct.unpack("<H", data[entry:entry + 2])[0] == 256:  # ImageWidth
            data[entry + 8:entry + 12] = b"\0\0\0\0"
    path.write_bytes(bytes(data))
    with pytest.raises(ImageIOError) as err:
        imageio.read_image(path)
    assert "zero.tif" in str(err.value)
    assert isinstance(err.value, (EmptyImageError, CorruptImageError))


def test_pixel_limit_names_the_number_and_how_to_raise_it(tmp_path, rng, monkeypatch):
    imageio.write_png(tmp_path / "p.png", random_image(rng, (100, 120, 3), np.uint8))
    with pytest.raises(ImageTooLargeError) as err:
        imageio.read_image(tmp_path / "p.png", max_pixels=10_000)
    message = str(err.value)
    assert "12,000 pixels" in message and "10,000" in message and "--max-pixels" in message
    monkeypatch.setenv("MURALSTUDIO_MAX_PIXELS", "5000")
    with pytest.raises(ImageTooLargeError):
        imageio.read_image(tmp_path / "p.png")
    monkeypatch.setenv("MURALSTUDIO_MAX_PIXELS", "20000")
    assert imageio.read_image(tmp_path / "p.png").pixels.shape == (100, 120, 3)


def test_a_tiff_promising_more_than_its_tile_table_holds_is_refused_when_opened(tmp_path, rng, capsys, monkeypatch):
    """A tiled TIFF is opened lazily, so its tile table is checked when opened: a header
    announcing 40 Gpx over a few tiles was opened, and labelling it tried to allocate 56 GiB.
    A real image over the pixel limit still opens (gigapixel scans are read by region)."""
    import tifffile

    from muralstudio.cli import main
    from muralstudio.core.document import Document

    imageio.write_tiff(tmp_path / "t.tif", random_image(rng, (100, 120, 3), np.uint8), tile=(16, 16))
    (tmp_path / "bomb.tif").write_bytes((tmp_path / "t.tif").read_bytes())
    with tifffile.TiffFile(tmp_path / "bomb.tif", mode="r+b") as tif:
        tif.pages[0].tags["ImageWidth"].overwrite(200_000)
        tif.pages[0].tags["ImageLength"].overwrite(200_000)
    with pytest.raises(CorruptImageError, match="bomb.tif"):
        Document.open(tmp_path / "bomb.tif")
    assert main(["label", str(tmp_path / "bomb.tif"), "--out", str(tmp_path / "l.png")]) == 2
    assert "bomb.tif" in capsys.readouterr().err and not (tmp_path / "l.png").exists()
    monkeypatch.setenv("MURALSTUDIO_MAX_PIXELS", "5000")  # below this image's 12,000 pixels
    assert Document.open(tmp_path / "t.tif").width == 120  # read by region: opens


def test_pillow_decompression_bomb_limit_stays_on(tmp_path, rng):
    before = Image.MAX_IMAGE_PIXELS
    imageio.write_png(tmp_path / "p.png", random_image(rng, (10, 10, 3), np.uint8))
    imageio.read_image(tmp_path / "p.png")
    imageio.read_header(tmp_path / "p.png")
    assert Image.MAX_IMAGE_PIXELS == before and before is not None


def _fuzz_files(tmp_path, rng):
    pixels = random_image(rng, (48, 64, 3), np.uint8)
    imageio.write_tiff(tmp_path / "f.tif", pixels, tile=None)
    tifffile.imwrite(tmp_path / "ft.tif", pixels, tile=(16, 16), compression="zlib", photometric="rgb")
    imageio.write_png(tmp_path / "f.png", pixels)
    imageio.write_png(tmp_path / "f16.png", pixels.astype(np.uint16) * 257)
    Image.fromarray(pixels).save(tmp_path / "f.jpg")
    Image.fromarray(pixels).save(tmp_path / "f.bmp")
    Image.fromarray(pixels).save(tmp_path / "f.webp")
    return [tmp_path / n for n in ("f.tif", "ft.tif", "f.png", "f16.png", "f.jpg", "f.bmp", "f.webp")]


def test_fuzz_truncated_and_bit_flipped_files_fail_cleanly(tmp_path, rng):
    """Damaged files either decode to the right shape or raise ImageIOError: nothing else."""
    outcomes = {"ok": 0, "error": 0}
    for path in _fuzz_files(tmp_path, rng):
        original = path.read_bytes()
        variants = [original[:n] for n in sorted({1, 8, 20, len(original) // 3, len(original) // 2,
                                                   len(original) - 10})]
        for _ in range(25):
            data = bytearray(original)
            for pos in rng.integers(0, len(data), size=int(rng.integers(1, 6))):
                data[pos] ^= 1 << int(rng.integers(0, 8))
            variants.append(bytes(data))
        for i, data in enumerate(variants):
            damaged = tmp_path / f"damaged-{i}{path.suffix}"
            damaged.write_bytes(data)
            try:
                loaded = imageio.read_image(damaged, max_pixels=10_000_000)
            except ImageIOError as exc:
                assert damaged.name in str(exc)
                outcomes["error"] += 1
            else:
                assert loaded.pixels.ndim in (2, 3) and loaded.pixels.size > 0
                assert loaded.pixels.shape[:2] == (loaded.info.height, loaded.info.width)
                outcomes["ok"] += 1
    assert outcomes["error"] > 20  # the damage was real


# --- writing ----------------------------------------------------------------------------------

def test_writers_refuse_original_images(tmp_path, rng):
    original = tmp_path / "original.tif"
    imageio.write_tiff(original, random_image(rng, (8, 8, 3), np.uint8))
    before = original.read_bytes()
    protect_original(original)
    for writer in (imageio.write_tiff, imageio.write_png):
        with pytest.raises(ProtectedFileError, match="never writes to originals"):
            writer(original, random_image(rng, (8, 8, 3), np.uint8))
    assert original.read_bytes() == before


def test_failed_write_leaves_previous_file_and_no_temp_files(tmp_path, rng, monkeypatch):
    target = tmp_path / "export.tif"
    first = random_image(rng, (32, 32, 3), np.uint16)
    imageio.write_tiff(target, first)

    def half_write_then_fail(path, *args, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"II*\0 partial")
        raise OSError("disk full")

    monkeypatch.setattr(tifffile, "imwrite", half_write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        imageio.write_tiff(target, random_image(rng, (32, 32, 3), np.uint16))
    monkeypatch.undo()
    assert np.array_equal(imageio.read_image(target).pixels, first)
    assert sorted(os.listdir(tmp_path)) == ["export.tif"]


def test_jpeg_export_is_8_bit_and_keeps_icc(tmp_path, rng, srgb_icc):
    pixels = random_image(rng, (40, 40, 3), np.uint16)
    imageio.write_image(tmp_path / "share.jpg", pixels, make_info(srgb_icc))
    loaded = imageio.read_image(tmp_path / "share.jpg")
    assert loaded.info.bit_depth == 8 and loaded.info.icc_profile == srgb_icc


def test_to_uint8_rounds_16_bit_values():
    values = np.array([0, 128, 257, 32896, 65535], np.uint16)
    assert imageio.to_uint8(values).tolist() == [0, 0, 1, 128, 255]


def test_to_rgb8_handles_every_layout():
    grey_alpha = np.zeros((2, 2, 2), np.uint16)
    grey_alpha[..., 0] = 65535
    assert imageio.to_rgb8(grey_alpha).tolist() == [[[255, 255, 255]] * 2] * 2
    rgba = np.zeros((1, 1, 4), np.uint8)
    rgba[0, 0] = (1, 2, 3, 4)
    assert imageio.to_rgb8(rgba).tolist() == [[[1, 2, 3]]]
    assert imageio.to_rgb8(np.full((1, 1), 7, np.uint8)).tolist() == [[[7, 7, 7]]]
    assert imageio.full_scale(np.uint16) == 65535.0 and imageio.full_scale(np.float32) == 1.0


def test_float16_tiffs_decode_to_their_values_and_nan_or_inf_is_refused(tmp_path):
    import tifffile

    from muralstudio.core.errors import MuralStudioError

    values = np.linspace(0, 1, 64 * 48 * 3, dtype=np.float32).reshape(48, 64, 3)
    tifffile.imwrite(tmp_path / "half.tif", values.astype(np.float16), photometric="rgb")
    pixels = imageio.read_image(tmp_path / "half.tif").pixels
    assert pixels.dtype == np.uint16 and pixels.max() == 65535  # not black
    assert np.abs(pixels / 65535 - values).max() < 1e-3
    for bad in (np.nan, np.inf):
        broken = values.copy()
        broken[5, 5, 0] = bad
        tifffile.imwrite(tmp_path / "bad.tif", broken, photometric="rgb")
        with pytest.raises(MuralStudioError, match="bad.tif.*NaN or infinite"):
            imageio.read_image(tmp_path / "bad.tif")


def test_tiff_with_chinese_name_tags_and_record_round_trips(tmp_path):
    from muralstudio.core.record import records_json

    pixels = np.zeros((20, 30, 3), np.uint16)
    info = imageio.ImageInfo(path=None, format="TIFF", width=30, height=20, channels=3, dtype=np.uint16,
                             tags={"Artist": "敦煌研究院", "ImageDescription": "莫高窟第 257 窟 西壁"})
    record = records_json([], {"path": "/档案/壁画.tif", "sha256": "0"})
    path = imageio.write_tiff(tmp_path / "壁画.tif", pixels, info, record_json=record)
    back = imageio.read_image(path).info
    assert back.tags["Artist"] == "敦煌研究院" and back.tags["ImageDescription"] == "莫高窟第 257 窟 西壁"
    assert back.record_json == record


def test_decompression_bomb_headers_are_refused_before_decoding(tmp_path, monkeypatch):
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import fuzz

    from muralstudio.core.errors import ImageIOError

    for name, data in fuzz.crafted_images().items():
        (tmp_path / name).write_bytes(data)
        start = time.monotonic()
        with pytest.raises(ImageIOError, match=name):
            imageio.read_image(tmp_path / name)
        assert time.monotonic() - start < 2
    # an honest image over the decoded-bytes cap is refused with the setting to change
    imageio.write_png(tmp_path / "big.png", np.zeros((200, 300, 3), np.uint16))
    monkeypatch.setenv("MURALSTUDIO_MAX_BYTES", "100000")
    with pytest.raises(ImageIOError, match="MURALSTUDIO_MAX_BYTES"):
        imageio.read_image(tmp_path / "big.png")


def test_a_cut_short_tiff_whose_directory_follows_the_pixels_says_so(tmp_path):
    """PIL and many cameras write the image directory after the pixels: a copy cut short loses
    it. The error says the file ends before it (not "cannot read the TIFF header (0)"), and no
    stray tifffile log line repeats it."""
    import logging

    from PIL import Image

    from muralstudio.core.errors import CorruptImageError

    pixels = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "whole.tif", compression="tiff_deflate")
    data = (tmp_path / "whole.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(data[:len(data) // 2])
    logged = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = logged.append
    logging.getLogger("tifffile").addHandler(handler)
    try:
        with pytest.raises(CorruptImageError) as cut:
            imageio.read_header(tmp_path / "cut.tif")
    finally:
        logging.getLogger("tifffile").removeHandler(handler)
    assert str(cut.value).startswith(f"{tmp_path / 'cut.tif'}: the file ends at byte")
    assert "truncated copy or download" in str(cut.value)
    assert not logged
    np.testing.assert_array_equal(imageio.read_image(tmp_path / "whole.tif").pixels, pixels)
