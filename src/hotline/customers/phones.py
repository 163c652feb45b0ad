"""Phone numbers are stored as ASCII digits; this is the one place that reads and checks them.

Plain Python, no database. ``normalize_phone`` is lenient (a search box keeps whatever digits
it finds); ``phone_clean`` is strict (what a customer record may hold): digits in any script
(full-width ``１３９``, Arabic-Indic …) become ASCII, separators are dropped, anything else is
an error, and the result must be a plausible Chinese number.
"""

from __future__ import annotations

import re
import unicodedata

# Full-width ASCII forms (！ … ～) and the ideographic space, as typed with a Chinese IME.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SEPARATORS = frozenset(" -().+/\u2010\u2011\u2012\u2013\u2014\u2212\u00a0")
_MOBILE = re.compile(r"1[3-9]\d{9}")
# 0 + area code (2–3 digits) + subscriber number (7–8 digits).
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")
# Service numbers: 95xxx / 95xxxxxx (banks, utilities), 400 / 800 (companies), and the
# five-digit carrier and public-service numbers (10086, 12345 …).
_SERVICE = re.compile(r"95\d{3}|95\d{6}|[48]00\d{7}|1[0-2]\d{3}")


class PhoneError(ValueError):
    """Why a text is not a phone number a customer record may hold: ``code`` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def ascii_digits(text: str) -> str:
    """Full-width forms to ASCII, and every decimal digit of any script to 0–9.

    Only true decimal digits (Unicode category Nd) are converted: a superscript ``²`` or a
    circled ``①`` is not a digit and stays what it is (so a check can refuse it).
    """
    text = (text or "").translate(_FULLWIDTH)
    if text.isascii():
        return text
    return "".join(
        str(unicodedata.decimal(char))
        if not char.isascii() and unicodedata.decimal(char, None) is not None
        else char
        for char in text
    )


def _strip_country_code(digits: str, had_plus: bool) -> str:
    if digits.startswith("0086"):
        digits, international = digits[4:], True
    elif digits.startswith("86") and (had_plus or len(digits) == 13):
        digits, international = digits[2:], True
    else:
        international = False
    # In international form a landline drops its trunk 0: +86 519 8800 1234.
    if international and digits and not _MOBILE.fullmatch(digits) and not digits.startswith("0"):
        digits = "0" + digits
    return digits


def normalize_phone(raw: str) -> str:
    """'+86 139-1234-5678' → '13912345678'; '(0519) 8800 1234' → '051988001234'.

    Lenient: every non-digit is dropped. For what a record may store use ``phone_clean``.
    """
    text = ascii_digits(raw)
    digits = "".join(char for char in text if "0" <= char <= "9")
    return _strip_country_code(digits, text.lstrip().startswith("+"))


def is_mobile(digits: str) -> bool:
    return bool(_MOBILE.fullmatch(digits))


def is_plausible(digits: str) -> bool:
    """A mobile number, a landline with its area code, or a service number."""
    return bool(
        _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits) or _SERVICE.fullmatch(digits)
    )


def phone_clean(raw: str) -> str:
    """The stored form of ``raw`` ("" for blank), or ``PhoneError`` with the reason.

    ``characters``: something other than digits and separators (letters, ``²``…);
    ``implausible``: digits that are not a mobile, landline or service number.
    """
    if raw.isascii() and raw.isdigit():  # the common case, kept cheap for imports
        digits = _strip_country_code(raw, False)
        if is_plausible(digits):
            return digits
        raise PhoneError("implausible")
    text = ascii_digits(raw).strip()
    if not text:
        return ""
    body = text[1:] if text.startswith("+") else text
    if any(not ("0" <= char <= "9") and char not in _SEPARATORS for char in body):
        raise PhoneError("characters")
    digits = normalize_phone(text)
    if not is_plausible(digits):
        raise PhoneError("implausible")
    return digits


def phone_kind_guess(digits: str) -> str:
    """The likely kind of a number (``CustomerPhone.Kind`` value) when none was given."""
    if is_mobile(digits):
        return "mobile"
    if _LANDLINE.fullmatch(digits):
        return "home"
    return "work"
