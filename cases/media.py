"""Photos and documents attached to cases: checked by content, re-encoded without metadata.

A grid worker's phone sends whatever it has: a HEIC from an iPhone, a 50-megapixel JPEG with the home
address in its GPS tags, a PDF from the hotline. Nothing here trusts the file name or the client's content
type: the type comes from the bytes, images are decoded in full before they are accepted (a truncated
upload is refused, not stored), and what we store is a fresh JPEG with no EXIF at all. The GPS position
and the capture time are read first, so the case form can offer them as the location and the time.

This module is pure processing: no models, no storage. The attachment service calls
``inspect_upload`` and ``process_image`` and stores what they return.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import warnings
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageCms, ImageFilter, ImageOps, UnidentifiedImageError

IMAGE = "image"
DOCUMENT = "document"

DEFAULT_LIMITS = {
    "IMAGE_MAX_BYTES": 15 * 1024 * 1024,
    "DOCUMENT_MAX_BYTES": 20 * 1024 * 1024,
    # 40 MP covers every phone camera in use; a larger header is a decompression bomb until proven not.
    "IMAGE_MAX_PIXELS": 40_000_000,
}

STORED_LONG_EDGE = 2560
THUMBNAIL_LONG_EDGE = 320
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80

# Magic bytes -> (Pillow format name, MIME type). HEIC is recognised by its ISO-BMFF brand below.
_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "PNG", "image/png"),
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
# The PDF spec puts %%EOF at the end; writers add a newline or a little padding after it.
_PDF_TAIL_WINDOW = 1024


class UploadRefused(ValidationError):
    """An upload we will not store; ``message`` is for the user, ``code`` for the client."""


@dataclass(frozen=True)
class InspectedUpload:
    kind: str  # IMAGE or DOCUMENT
    mime: str  # from the content, never from the client
    extension: str  # the one to store under, e.g. ".jpg"
    size: int
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes  # JPEG, oriented, at most STORED_LONG_EDGE, no metadata
    thumbnail: bytes  # JPEG, at most THUMBNAIL_LONG_EDGE
    width: int
    height: int
    gps: tuple[float, float] | None  # (lat, lon) in WGS 84 as the camera wrote it
    taken_at: datetime | None  # aware
    mime: str = "image/jpeg"

    @property
    def sha256(self) -> str:
        return content_sha256(self.content)


def upload_limits() -> dict:
    return {**DEFAULT_LIMITS, **(settings.GRIDGOV.get("UPLOAD_LIMITS") or {})}


def content_sha256(data) -> str:
    """Hex SHA-256 of bytes or of a file read from the start: the dedup key of stored content."""
    if isinstance(data, bytes | bytearray | memoryview):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    data.seek(0)
    for chunk in iter(lambda: data.read(1 << 20), b""):
        digest.update(chunk)
    data.seek(0)
    return digest.hexdigest()


# --- Inspection -----------------------------------------------------------------------------------


def inspect_upload(uploaded_file, *, kind: str) -> InspectedUpload:
    """Accept or refuse an upload by what its bytes are; raises ``UploadRefused`` with a user message."""
    if kind not in (IMAGE, DOCUMENT):
        raise ValueError(f"unknown upload kind {kind!r}")
    limits = upload_limits()
    size = _size_of(uploaded_file)
    if size == 0:
        raise UploadRefused(_("The file is empty."), code="empty")
    max_bytes = limits["IMAGE_MAX_BYTES"] if kind == IMAGE else limits["DOCUMENT_MAX_BYTES"]
    if size > max_bytes:
        raise UploadRefused(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _megabytes(max_bytes)},
            code="too_large",
        )
    data = _read_all(uploaded_file, max_bytes)
    if kind == IMAGE:
        return _inspect_image(data, limits["IMAGE_MAX_PIXELS"])
    return _inspect_pdf(data)


def _inspect_image(data: bytes, max_pixels: int) -> InspectedUpload:
    sniffed = _sniff_image(data)
    if sniffed is None:
        raise UploadRefused(_("This is not a JPEG, PNG, WebP or HEIC photo."), code="not_an_image")
    pillow_format, mime = sniffed
    if pillow_format == "HEIF" and not _pillow_opens_heif():
        raise UploadRefused(
            _("HEIC photos cannot be read here. Set the camera to JPEG (“Most Compatible”) and try again."),
            code="heic_unsupported",
        )
    width, height = _decode_fully(data, pillow_format, max_pixels)
    extension = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}[pillow_format]
    return InspectedUpload(IMAGE, mime, extension, len(data), width, height)


def _sniff_image(data: bytes) -> tuple[str, str] | None:
    for magic, pillow_format, mime in _IMAGE_SIGNATURES:
        if data.startswith(magic):
            return pillow_format, mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP", "image/webp"
    if data[4:8] == b"ftyp" and _heif_brands(data) & _HEIF_BRANDS:
        return "HEIF", "image/heic"
    return None


def _heif_brands(data: bytes) -> set[bytes]:
    box_size = int.from_bytes(data[:4], "big")
    box = data[8 : min(box_size, 64)]
    # major brand, minor version, then compatible brands, four bytes each
    return {box[0:4]} | {box[i : i + 4] for i in range(8, len(box) - 3, 4)}


def _pillow_opens_heif() -> bool:
    Image.init()
    return "HEIF" in Image.OPEN


def _decode_fully(data: bytes, pillow_format: str, max_pixels: int) -> tuple[int, int]:
    """Decode every byte: only a complete decode proves the image is whole and what it says it is."""
    try:
        with _bomb_guard(), Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
            width, height = image.size
            _refuse_bomb(width, height, max_pixels)
            image.verify()
        with _bomb_guard(), Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
            if pillow_format == "JPEG":
                # The DCT decoder scales by 1/8 for free: every byte is still read, a fraction is kept.
                image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
            image.load()
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(_too_many_pixels_message(max_pixels), code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UploadRefused(
            _("The photo is damaged or incomplete; please take or send it again."), code="damaged_image"
        ) from exc
    return width, height


def _refuse_bomb(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise UploadRefused(_too_many_pixels_message(max_pixels), code="too_many_pixels")


def _too_many_pixels_message(max_pixels: int) -> str:
    return _("The photo has too many pixels; the limit is %(megapixels)s megapixels.") % {
        "megapixels": max_pixels // 1_000_000
    }


class _bomb_guard(warnings.catch_warnings):
    """Turn Pillow's decompression-bomb warning into an error; our own pixel limit is lower anyway."""

    def __enter__(self):
        result = super().__enter__()
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return result


def _inspect_pdf(data: bytes) -> InspectedUpload:
    if not _PDF_HEADER.match(data):
        raise UploadRefused(_("This is not a PDF document."), code="not_a_pdf")
    if b"%%EOF" not in data[-_PDF_TAIL_WINDOW:]:
        raise UploadRefused(_("The PDF document is incomplete; please send it again."), code="damaged_pdf")
    return InspectedUpload(DOCUMENT, "application/pdf", ".pdf", len(data))


def _size_of(uploaded_file) -> int:
    size = getattr(uploaded_file, "size", None)
    if size is not None:
        return size
    position = uploaded_file.tell()
    uploaded_file.seek(0, io.SEEK_END)
    size = uploaded_file.tell()
    uploaded_file.seek(position)
    return size


def _read_all(uploaded_file, max_bytes: int) -> bytes:
    uploaded_file.seek(0)
    # One byte past the limit: a file whose reported size lied is still caught.
    data = uploaded_file.read(max_bytes + 1)
    uploaded_file.seek(0)
    if len(data) > max_bytes:
        raise UploadRefused(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": _megabytes(len(data)), "limit": _megabytes(max_bytes)},
            code="too_large",
        )
    return data


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


# --- Processing -----------------------------------------------------------------------------------


def process_image(file) -> ProcessedImage:
    """Read GPS and capture time, then re-encode the photo upright, bounded and without metadata.

    ``file`` is bytes or a file object that ``inspect_upload`` has accepted.
    """
    data = file if isinstance(file, bytes) else _read_from_start(file)
    with _bomb_guard(), Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        gps, taken_at = exif_gps(exif), exif_taken_at(exif)
        _draft_for(image, STORED_LONG_EDGE)
        image.load()
        upright = ImageOps.exif_transpose(image)
    picture = _to_srgb(upright)
    picture.thumbnail((STORED_LONG_EDGE, STORED_LONG_EDGE), Image.Resampling.LANCZOS)
    content = _encode_jpeg(picture, JPEG_QUALITY)
    thumb = picture.copy()
    thumb.thumbnail((THUMBNAIL_LONG_EDGE, THUMBNAIL_LONG_EDGE), Image.Resampling.LANCZOS)
    return ProcessedImage(
        content=content,
        thumbnail=_encode_jpeg(thumb, THUMBNAIL_QUALITY),
        width=picture.width,
        height=picture.height,
        gps=gps,
        taken_at=taken_at,
    )


def _read_from_start(file) -> bytes:
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _draft_for(image: Image.Image, long_edge: int) -> None:
    # JPEG only: decode at 1/2, 1/4 or 1/8 when that still leaves at least the target size.
    if image.format != "JPEG" or max(image.size) <= long_edge:
        return
    scale = long_edge / max(image.size)
    image.draft("RGB", (math.ceil(image.width * scale), math.ceil(image.height * scale)))


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB in sRGB: the ICC profile is dropped with the rest of the metadata, so convert to it first."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        # Transparent areas become white, as on paper, instead of JPEG's black.
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        image = flattened
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if icc:
        image = _profile_to_srgb(image, icc)
    return image


def _profile_to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except Exception:  # a broken or unsupported profile: keep the pixels as they are
        return image


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif=, no icc_profile=: Pillow writes none unless given, so nothing of the original survives.
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


# --- EXIF -----------------------------------------------------------------------------------------


def exif_gps(exif: Image.Exif) -> tuple[float, float] | None:
    """(lat, lon) from the GPS IFD: degrees/minutes/seconds rationals with N/S and E/W references."""
    try:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:  # a broken IFD offset: no position, the photo itself is still fine
        return None
    if not gps_ifd:
        return None
    lat = _dms_to_degrees(gps_ifd.get(ExifTags.GPS.GPSLatitude), gps_ifd.get(ExifTags.GPS.GPSLatitudeRef))
    lon = _dms_to_degrees(gps_ifd.get(ExifTags.GPS.GPSLongitude), gps_ifd.get(ExifTags.GPS.GPSLongitudeRef))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    if lat == 0 and lon == 0:
        return None  # cameras without a fix write zeros; nobody patrols a grid in the Gulf of Guinea
    return round(lat, 7), round(lon, 7)


def _dms_to_degrees(dms, ref) -> float | None:
    if dms is None:
        return None
    try:
        parts = [float(value) for value in (dms if isinstance(dms, tuple | list) else (dms,))]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    parts = (parts + [0.0, 0.0])[:3]
    if any(math.isnan(part) or math.isinf(part) or part < 0 for part in parts):
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    ref = (ref or "").strip("\x00 ").upper()
    return -degrees if ref in ("S", "W") else degrees


def exif_taken_at(exif: Image.Exif) -> datetime | None:
    """DateTimeOriginal as an aware datetime: its OffsetTimeOriginal if written, else the site's zone.

    Phones write local wall time; without an offset the best reading is the zone the district runs in.
    """
    try:
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        return None
    raw = exif_ifd.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(raw, str):
        return None
    try:
        naive = datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # "0000:00:00 00:00:00" and other placeholders
    offset = _parse_offset(exif_ifd.get(ExifTags.Base.OffsetTimeOriginal))
    tz = offset if offset is not None else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return naive.replace(tzinfo=tz)


def _parse_offset(raw) -> timezone | None:
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", raw.strip("\x00 ")) if isinstance(raw, str) else None
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


# --- Blurring for the public copy -------------------------------------------------------------------

# At most this many rectangles on one photo: a face or a plate each; more is a drawing, not a blur.
MAX_BLUR_REGIONS = 20
# Each rectangle is cut to blocks of about this share of its shorter side, then smoothed: coarse enough
# that no face or plate can be read back, whatever sharpening is tried.
_PIXEL_SHARE = 8


def blur_regions(data: bytes, regions) -> tuple[bytes, bytes]:
    """The public copy of a stored photo and its thumbnail, with each region made unreadable.

    ``regions`` are ``(x, y, width, height)`` as shares (0..1) of the photo's width and height, as the
    blur tool draws them over the photo at whatever size the screen shows it."""
    with Image.open(io.BytesIO(data)) as image:
        picture = image.convert("RGB")
    for box in (_pixel_box(region, picture.size) for region in regions):
        if box is None:
            continue
        part = picture.crop(box)
        block = max(1, min(part.size) // _PIXEL_SHARE)
        small = part.resize((max(1, part.width // block), max(1, part.height // block)), Image.Resampling.BOX)
        coarse = small.resize(part.size, Image.Resampling.NEAREST)
        picture.paste(coarse.filter(ImageFilter.GaussianBlur(radius=max(2, block // 2))), box)
    thumb = picture.copy()
    thumb.thumbnail((THUMBNAIL_LONG_EDGE, THUMBNAIL_LONG_EDGE), Image.Resampling.LANCZOS)
    return _encode_jpeg(picture, JPEG_QUALITY), _encode_jpeg(thumb, THUMBNAIL_QUALITY)


def _pixel_box(region, size) -> tuple[int, int, int, int] | None:
    width, height = size
    x, y, w, h = (min(1.0, max(0.0, float(v))) for v in region)
    left, top = int(x * width), int(y * height)
    right, bottom = min(width, math.ceil((x + w) * width)), min(height, math.ceil((y + h) * height))
    return (left, top, right, bottom) if right - left >= 2 and bottom - top >= 2 else None
