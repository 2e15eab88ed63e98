"""cases/media.py: uploads are judged by their bytes; stored photos carry no metadata."""

import hashlib
import io
import struct
import zlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, TiffImagePlugin

from cases import media
from cases.media import DOCUMENT, IMAGE, UploadRefused, inspect_upload, process_image

R = TiffImagePlugin.IFDRational
RED, BLUE = (220, 20, 20), (20, 20, 220)

# 28°11'30.12"N 112°56'4"E: Yuelu, Changsha. 33°51'35.9"S 151°12'40"W is the southern/western mirror.
YUELU = (28.1917, 112.9344444)


def jpeg_bytes(size=(400, 200), *, exif=None, quality=90, halves=False, **save):
    image = Image.new("RGB", size, RED)
    if halves:  # left half red, right half blue: shows which way the photo was turned
        image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}), **save)
    return out.getvalue()


def png_bytes(size=(300, 200), mode="RGB", color=RED):
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, "PNG")
    return out.getvalue()


def webp_bytes(size=(300, 200)):
    out = io.BytesIO()
    Image.new("RGB", size, BLUE).save(out, "WEBP", quality=80)
    return out.getvalue()


def camera_exif(
    *,
    lat=("N", (28, 11, 30.12)),
    lon=("E", (112, 56, 4)),
    taken="2025:03:14 09:26:53",
    offset="+08:00",
    orientation=None,
):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.Base.Model] = "Mate 60"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    if lat and lon:
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: lat[0],
            ExifTags.GPS.GPSLatitude: tuple(R(round(v * 100), 100) for v in lat[1]),
            ExifTags.GPS.GPSLongitudeRef: lon[0],
            ExifTags.GPS.GPSLongitude: tuple(R(round(v * 100), 100) for v in lon[1]),
        }
    camera = {}
    if taken:
        camera[ExifTags.Base.DateTimeOriginal] = taken
    if offset:
        camera[ExifTags.Base.OffsetTimeOriginal] = offset
    if camera:
        exif[ExifTags.IFD.Exif] = camera
    return exif


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_with_header_size(width, height):
    """A real 1×1 PNG whose IHDR claims another size: what a decompression bomb looks like up front."""
    data = bytearray(png_bytes((1, 1)))
    ihdr = bytearray(data[12:29])  # chunk type + 13 bytes of data
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


def pdf_bytes(tail=b"%%EOF\n"):
    body = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\nstartxref\n9\n"
    )
    return body + tail


def reopen(data):
    return Image.open(io.BytesIO(data))


@pytest.fixture
def limits(settings):
    def set_limits(**values):
        settings.GRIDGOV = {**settings.GRIDGOV, "UPLOAD_LIMITS": values}

    return set_limits


# --- inspect_upload: type by content ---------------------------------------------------------------


@pytest.mark.parametrize(
    "data, mime, extension",
    [
        (jpeg_bytes(), "image/jpeg", ".jpg"),
        (png_bytes(), "image/png", ".png"),
        (webp_bytes(), "image/webp", ".webp"),
    ],
)
def test_it_accepts_photos_by_their_content(data, mime, extension):
    anonymous = upload(data, name="upload.bin", content_type="application/octet-stream")
    inspected = inspect_upload(anonymous, kind=IMAGE)
    assert (inspected.kind, inspected.mime, inspected.extension) == (IMAGE, mime, extension)
    assert inspected.size == len(data)


def test_it_reports_the_pixel_size():
    inspected = inspect_upload(upload(jpeg_bytes((640, 480))), kind=IMAGE)
    assert (inspected.width, inspected.height) == (640, 480)


def test_it_takes_a_png_renamed_jpg_for_the_png_it_is():
    renamed = upload(png_bytes(), name="IMG_0001.jpg", content_type="image/jpeg")
    inspected = inspect_upload(renamed, kind=IMAGE)
    assert inspected.mime == "image/png"
    assert inspected.extension == ".png"


def test_it_refuses_a_text_file_renamed_jpg():
    fake = upload(b"<?php system($_GET['c']); ?>\n" * 20, name="photo.jpg", content_type="image/jpeg")
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(fake, kind=IMAGE)
    assert refused.value.code == "not_an_image"
    assert "not a JPEG, PNG, WebP or HEIC photo" in refused.value.message


def test_it_refuses_a_jpeg_header_on_garbage():
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(b"\xff\xd8\xff\xe0" + b"\x00garbage" * 200), kind=IMAGE)
    assert refused.value.code == "damaged_image"


@pytest.mark.parametrize("keep", [0.5, 0.9])
def test_it_refuses_a_truncated_jpeg(keep):
    # Noise does not compress, so the cut lands inside the scan data, as on a dropped connection.
    noise = Image.effect_noise((1200, 900), 80).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=92)
    whole = out.getvalue()
    inspect_upload(upload(whole), kind=IMAGE)  # the whole file passes
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(whole[: int(len(whole) * keep)]), kind=IMAGE)
    assert refused.value.code == "damaged_image"
    assert "damaged or incomplete" in refused.value.message


def test_it_refuses_a_truncated_png():
    data = png_bytes((500, 500), color=(1, 2, 3))
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(data[: len(data) - 30]), kind=IMAGE)
    assert refused.value.code == "damaged_image"


def test_it_refuses_an_empty_file():
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(b""), kind=IMAGE)
    assert refused.value.code == "empty"


def test_it_refuses_an_image_over_the_default_15_mb():
    oversized = jpeg_bytes() + b"\x00" * (15 * 1024 * 1024)
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(oversized), kind=IMAGE)
    assert refused.value.code == "too_large"
    assert "the limit is 15 MB" in refused.value.message


def test_it_takes_the_limits_from_settings(limits):
    data = jpeg_bytes((800, 600))
    limits(IMAGE_MAX_BYTES=len(data) - 1)
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(data), kind=IMAGE)
    assert refused.value.code == "too_large"
    limits(IMAGE_MAX_BYTES=len(data))
    assert inspect_upload(upload(data), kind=IMAGE).size == len(data)


def test_it_does_not_trust_a_reported_size(limits):
    data = jpeg_bytes((800, 600))
    limits(IMAGE_MAX_BYTES=len(data) - 1)
    lying = upload(data)
    lying.size = 10
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(lying, kind=IMAGE)
    assert refused.value.code == "too_large"


def test_it_reads_a_plain_file_object_without_a_size():
    data = png_bytes()
    stream = io.BytesIO(data)
    stream.seek(7)
    assert inspect_upload(stream, kind=IMAGE).size == len(data)
    assert stream.tell() == 0  # left rewound for the storage that saves it next


def test_it_refuses_more_pixels_than_the_limit():
    # 8000 × 6000 = 48 MP of one flat colour: a few kilobytes that would take 144 MB decoded.
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(out.getvalue()), kind=IMAGE)
    assert refused.value.code == "too_many_pixels"
    assert "40 megapixels" in refused.value.message


@pytest.mark.parametrize(
    "width, height",
    [
        (7000, 7000),  # 49 MP: over our line, under Pillow's
        (12_000, 9_000),  # 108 MP: Pillow would only warn
        (50_000, 50_000),  # 2.5 GP: Pillow itself refuses to open it
    ],
)
def test_it_refuses_a_decompression_bomb_header(width, height):
    # The pixels behind the header are a single one: only the header can have refused it.
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(png_with_header_size(width, height)), kind=IMAGE)
    assert refused.value.code == "too_many_pixels"


def test_it_refuses_an_absurd_header_without_crashing():
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(png_with_header_size(2**31 - 1, 2**31 - 1)), kind=IMAGE)
    assert refused.value.code in ("too_many_pixels", "damaged_image")


def test_it_lowers_the_pixel_limit_from_settings(limits):
    limits(IMAGE_MAX_PIXELS=640 * 480 - 1)
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(jpeg_bytes((640, 480))), kind=IMAGE)
    assert refused.value.code == "too_many_pixels"


def test_it_refuses_heic_when_pillow_cannot_open_it(monkeypatch):
    monkeypatch.setattr(media, "_pillow_opens_heif", lambda: False)
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(heic, name="IMG_0001.HEIC", content_type="image/heic"), kind=IMAGE)
    assert refused.value.code == "heic_unsupported"
    assert "JPEG" in refused.value.message


def test_it_tells_heic_from_other_iso_media_files(monkeypatch):
    monkeypatch.setattr(media, "_pillow_opens_heif", lambda: False)
    mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 200
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(mp4, name="clip.jpg"), kind=IMAGE)
    assert refused.value.code == "not_an_image"


def test_it_refuses_a_pdf_as_a_photo():
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(pdf_bytes(), name="scan.jpg"), kind=IMAGE)
    assert refused.value.code == "not_an_image"


def test_it_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        inspect_upload(upload(jpeg_bytes()), kind="video")


def test_a_refusal_is_a_django_validation_error_with_a_user_message():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        inspect_upload(upload(b"hello"), kind=IMAGE)
    assert refused.value.messages == ["This is not a JPEG, PNG, WebP or HEIC photo."]


# --- inspect_upload: documents ----------------------------------------------------------------------


def test_it_accepts_a_pdf_by_its_content():
    misnamed = upload(pdf_bytes(), name="notice.docx", content_type="text/plain")
    inspected = inspect_upload(misnamed, kind=DOCUMENT)
    assert (inspected.kind, inspected.mime, inspected.extension) == (DOCUMENT, "application/pdf", ".pdf")


def test_it_accepts_a_pdf_with_padding_after_the_end_marker():
    padded = pdf_bytes(b"%%EOF\r\n" + b"\x00" * 100)
    assert inspect_upload(upload(padded), kind=DOCUMENT).mime == "application/pdf"


def test_it_refuses_a_pdf_without_its_end_marker():
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(pdf_bytes(tail=b"")), kind=DOCUMENT)
    assert refused.value.code == "damaged_pdf"


@pytest.mark.parametrize("data", [b"PK\x03\x04" + b"\x00" * 100, b"hello %PDF-1.4 %%EOF", jpeg_bytes()])
def test_it_refuses_other_files_as_documents(data):
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(data, name="report.pdf", content_type="application/pdf"), kind=DOCUMENT)
    assert refused.value.code == "not_a_pdf"


def test_it_refuses_a_document_over_20_mb_but_takes_one_under():
    body = pdf_bytes(tail=b"")
    under = body + b"\x00" * (19 * 1024 * 1024) + b"\n%%EOF\n"
    over = body + b"\x00" * (20 * 1024 * 1024) + b"\n%%EOF\n"
    assert inspect_upload(upload(under), kind=DOCUMENT).size == len(under)
    with pytest.raises(UploadRefused) as refused:
        inspect_upload(upload(over), kind=DOCUMENT)
    assert refused.value.code == "too_large"
    assert "the limit is 20 MB" in refused.value.message


# --- process_image ----------------------------------------------------------------------------------


def test_it_reads_gps_from_exif():
    processed = process_image(jpeg_bytes(exif=camera_exif()))
    assert processed.gps == pytest.approx(YUELU, abs=1e-6)


def test_it_reads_southern_and_western_positions_as_negative():
    exif = camera_exif(lat=("S", (33, 51, 35.9)), lon=("W", (151, 12, 40)))
    lat, lon = process_image(jpeg_bytes(exif=exif)).gps
    assert lat == pytest.approx(-(33 + 51 / 60 + 35.9 / 3600), abs=1e-6)
    assert lon == pytest.approx(-(151 + 12 / 60 + 40 / 3600), abs=1e-6)


def test_it_has_no_position_without_gps():
    assert process_image(jpeg_bytes(exif=camera_exif(lat=None, lon=None))).gps is None
    assert process_image(jpeg_bytes()).gps is None


def test_it_ignores_the_zero_position_of_a_camera_without_a_fix():
    exif = camera_exif(lat=("N", (0, 0, 0)), lon=("E", (0, 0, 0)))
    assert process_image(jpeg_bytes(exif=exif)).gps is None


def test_it_ignores_a_position_with_a_zero_denominator():
    exif = camera_exif(lat=None, lon=None)
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (R(28, 0), R(0, 1), R(0, 1)),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (R(112, 1), R(0, 1), R(0, 1)),
    }
    assert process_image(jpeg_bytes(exif=exif)).gps is None


def test_it_reads_the_time_taken_with_its_offset():
    processed = process_image(jpeg_bytes(exif=camera_exif(taken="2025:03:14 09:26:53", offset="-05:00")))
    assert processed.taken_at == datetime(2025, 3, 14, 14, 26, 53, tzinfo=UTC)


def test_it_reads_the_time_taken_without_offset_as_local_time():
    processed = process_image(jpeg_bytes(exif=camera_exif(taken="2025:03:14 09:26:53", offset=None)))
    assert processed.taken_at == datetime(2025, 3, 14, 9, 26, 53, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert processed.taken_at.utcoffset() == timedelta(hours=8)


def test_it_ignores_a_placeholder_time():
    assert process_image(jpeg_bytes(exif=camera_exif(taken="0000:00:00 00:00:00"))).taken_at is None


def test_it_strips_every_bit_of_metadata():
    original = jpeg_bytes(exif=camera_exif(orientation=1))
    assert b"HUAWEI" in original and reopen(original).getexif()
    processed = process_image(original)
    for data in (processed.content, processed.thumbnail):
        stored = reopen(data)
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert "exif" not in stored.info and "icc_profile" not in stored.info
        assert b"Exif\x00\x00" not in data and b"HUAWEI" not in data and b"Mate 60" not in data


def test_it_turns_the_photo_upright_by_its_orientation_tag():
    # Orientation 6: the sensor was held on its side; viewers turn the picture 90° clockwise.
    processed = process_image(jpeg_bytes((400, 200), exif=camera_exif(orientation=6), halves=True))
    assert (processed.width, processed.height) == (200, 400)
    upright = reopen(processed.content).convert("RGB")
    top, bottom = upright.getpixel((100, 50)), upright.getpixel((100, 350))
    assert top[0] > 150 and top[2] < 100  # the left (red) half is now on top
    assert bottom[2] > 150 and bottom[0] < 100


def test_it_re_encodes_as_progressive_jpeg():
    processed = process_image(png_bytes())
    assert processed.mime == "image/jpeg"
    assert reopen(processed.content).info.get("progressive") == 1


def test_it_downsizes_a_large_photo_to_2560_on_the_long_edge():
    processed = process_image(jpeg_bytes((4000, 3000)))
    assert (processed.width, processed.height) == (2560, 1920)
    assert reopen(processed.content).size == (2560, 1920)


def test_it_downsizes_a_tall_photo_by_its_long_edge():
    processed = process_image(jpeg_bytes((3000, 4000), exif=camera_exif(orientation=1)))
    assert (processed.width, processed.height) == (1920, 2560)


def test_it_keeps_a_small_photo_at_its_size():
    processed = process_image(jpeg_bytes((1024, 768)))
    assert (processed.width, processed.height) == (1024, 768)


def test_it_makes_a_thumbnail_no_larger_than_320():
    thumbnail = reopen(process_image(jpeg_bytes((4000, 3000))).thumbnail)
    assert thumbnail.format == "JPEG"
    assert thumbnail.size == (320, 240)


def test_it_puts_a_transparent_png_on_white():
    processed = process_image(png_bytes((100, 100), mode="RGBA", color=(0, 0, 0, 0)))
    assert reopen(processed.content).convert("RGB").getpixel((50, 50)) > (245, 245, 245)


def test_it_processes_a_file_object_and_a_webp():
    stream = io.BytesIO(webp_bytes((300, 200)))
    processed = process_image(stream)
    assert (processed.width, processed.height) == (300, 200)
    assert reopen(processed.content).getpixel((150, 100))[2] > 150


def test_the_sha256_is_of_the_stored_content():
    processed = process_image(jpeg_bytes(exif=camera_exif()))
    assert processed.sha256 == hashlib.sha256(processed.content).hexdigest()
    # The same photo sent twice stores the same bytes: the digest finds the duplicate.
    assert process_image(jpeg_bytes(exif=camera_exif())).sha256 == processed.sha256


def test_content_sha256_reads_a_file_from_the_start():
    data = pdf_bytes()
    stream = io.BytesIO(data)
    stream.seek(5)
    assert media.content_sha256(stream) == hashlib.sha256(data).hexdigest() == media.content_sha256(data)
    assert stream.tell() == 0
