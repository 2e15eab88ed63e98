"""Resident identity card numbers (居民身份证号码, GB 11643-1999).

18 characters: 6-digit area code, 8-digit birth date, 3-digit sequence (odd for men, even for women) and
an ISO 7064 MOD 11-2 check character (0-9 or X). First-generation cards carry 15 digits (2-digit birth
year, no check character); they are converted to 18 by inserting "19" and computing the check character.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE_18 = re.compile(r"^\d{17}[\dX]$")
_SHAPE_15 = re.compile(r"^\d{15}$")
OLDEST = dt.date(1890, 1, 1)


def check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def _birth_date(text: str) -> dt.date | None:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def normalize(raw: str, *, today: dt.date | None = None) -> str:
    """The canonical 18-character number, or ValidationError naming what is wrong.

    Accepts spaces and a lower-case x; converts a 15-digit legacy number.
    """
    number = re.sub(r"\s", "", raw or "").upper()
    if _SHAPE_15.match(number):
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_char(first17)
    elif not _SHAPE_18.match(number):
        raise ValidationError(
            _("An ID number has 18 characters (digits, the last may be X) or 15 digits."), code="shape"
        )
    born = _birth_date(number[6:14])
    today = today or dt.date.today()
    if born is None or not (OLDEST <= born <= today):
        raise ValidationError(_("The birth date in the ID number is not a real date."), code="birth_date")
    if check_char(number[:17]) != number[17]:
        raise ValidationError(_("The check digit of the ID number is wrong."), code="check_digit")
    return number


def birth_date(number: str) -> dt.date:
    return _birth_date(number[6:14])


def gender(number: str) -> str:
    """ "male" or "female" from the sequence digit's parity."""
    return "male" if int(number[16]) % 2 else "female"


def make(area_code: str, born: dt.date, sequence: int) -> str:
    """A well-formed number for generated (synthetic) data: area + birth date + sequence + check."""
    first17 = f"{area_code[:6]}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)


# An 18-character number (or a 15-digit legacy one) standing alone in free text.
_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def redact(text: str, mask) -> str:
    """Free text with every well-formed ID number in it replaced by ``mask(number)``: what a citizen or a
    worker typed into a description must not publish someone's number (other long digit runs stay)."""
    if not text:
        return text

    def replace(match):
        try:
            number = normalize(match.group(1))
        except ValidationError:
            return match.group(0)
        return mask(number)

    return _IN_TEXT.sub(replace, text)
