"""HTTP signatures between instances: sign the draft-cavage way, verify both ways.

Mastodon and most of the fediverse sign requests as in draft-cavage-http-signatures-12:
one ``Signature`` header, RSA-SHA256 over ``(request-target) host date digest``. Newer
servers use RFC 9421 (``Signature-Input`` plus ``Signature``). We send the first, which
everyone accepts, and verify both.

Pure functions: no Django, no I/O. The caller looks keys up (``public_key_for``) and
decides what a verified key id means (its actor, its origin).

Specifications: draft-cavage-http-signatures-12; RFC 9421 (HTTP Message Signatures);
RFC 8941 (Structured Field Values, the syntax of ``Signature-Input`` and ``Signature``);
RFC 9530 (``Content-Digest``); RFC 3230 (the older ``Digest`` header); RFC 9110 §5.6.7
(the IMF-fixdate form of ``Date``).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Final
from urllib.parse import SplitResult, unquote_to_bytes, urlsplit

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

__all__ = [
    "BareItem",
    "InnerList",
    "Item",
    "Rfc9421Message",
    "SignatureError",
    "SigningKey",
    "Token",
    "VerifiedSignature",
    "body_digest",
    "cavage_signing_string",
    "content_digest",
    "generate_rsa_keypair",
    "http_date",
    "parse_cavage_signature",
    "parse_http_date",
    "parse_sf_dictionary",
    "rfc9421_signature_base",
    "serialize_inner_list",
    "serialize_item",
    "serialize_sf_dictionary",
    "sign_request",
    "sign_rfc9421",
    "sign_rfc9421_base",
    "verify_request",
    "verify_rfc9421",
]

# Bounds on what a peer can make us parse: real signature headers are a few hundred
# characters; anything much larger is an attempt to make the inbox work for nothing.
MAX_SIGNATURE_FIELD: Final = 8192
MAX_COVERED: Final = 32
MAX_SIGNATURES: Final = 4
# The draft-cavage test key is 1024 bits; anything smaller is breakable.
MIN_RSA_BITS: Final = 1024
# Verifying with a huge key is slow; no server publishes keys beyond this.
MAX_RSA_BITS: Final = 8192


class SignatureError(Exception):
    """A signature is missing, malformed, stale or wrong.

    ``reason`` is a short English sentence for the logs; members never see it (the
    inbox answers 401 and records nothing)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key_pem: str


@dataclass(frozen=True)
class VerifiedSignature:
    key_id: str
    scheme: str
    covered: tuple[str, ...]
    created: datetime | None


def generate_rsa_keypair() -> tuple[str, str]:
    """A new RSA 2048 key pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM),
    the form ActivityPub actors publish as ``publicKeyPem``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )
    return private_pem, public_pem


# --- Dates -------------------------------------------------------------------------

_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_IMF_FIXDATE: Final = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT"
)


def http_date(moment: datetime) -> str:
    """``moment`` as an IMF-fixdate ("Sun, 05 Jan 2014 21:31:40 GMT"), built by hand
    because strftime's day and month names follow the process locale."""
    moment = moment.astimezone(UTC)
    return (
        f"{_WEEKDAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} "
        f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} GMT"
    )


def parse_http_date(value: str) -> datetime:
    """The instant of an IMF-fixdate. Only that form: senders are required to use it,
    and every server we federate with does; the obsolete forms are a parsing risk."""
    match = _IMF_FIXDATE.fullmatch(value.strip())
    if match is None:
        raise SignatureError("Date is not an IMF-fixdate")
    weekday, day, month, year, hour, minute, second = match.groups()
    try:
        moment = datetime(
            int(year),
            _MONTHS.index(month) + 1,
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise SignatureError("Date is not a real date") from exc
    if _WEEKDAYS[moment.weekday()] != weekday:
        raise SignatureError("Date names the wrong day of the week")
    return moment


def _from_unix(value: int, what: str) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise SignatureError(f"{what} is not a usable time") from exc


def _check_fresh(moment: datetime, now: datetime, max_skew: timedelta, what: str) -> None:
    # Both directions: a date far in the future would let a captured request be
    # replayed for as long as the sender chose.
    if moment > now + max_skew:
        raise SignatureError(f"{what} is too far in the future")
    if moment < now - max_skew:
        raise SignatureError(f"{what} is too old")


# --- Body digests ------------------------------------------------------------------

_DIGESTS: Final[dict[str, Callable[[bytes], hashlib._Hash]]] = {
    "sha-256": hashlib.sha256,
    "sha-512": hashlib.sha512,
}


def body_digest(body: bytes) -> str:
    """The ``Digest`` header value (RFC 3230) that Mastodon expects: ``SHA-256=<base64>``."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def content_digest(body: bytes, algorithm: str = "sha-256") -> str:
    """The ``Content-Digest`` header value (RFC 9530), e.g. ``sha-256=:<base64>:``."""
    hash_function = _DIGESTS.get(algorithm)
    if hash_function is None:
        raise SignatureError(f"digest algorithm {algorithm} is not supported")
    return f"{algorithm}=:{base64.b64encode(hash_function(body).digest()).decode('ascii')}:"


def _check_legacy_digest(value: str, body: bytes) -> None:
    """Every SHA-256 or SHA-512 value in a ``Digest`` header must match the body, and
    there must be at least one: other algorithms (MD5, SHA) prove nothing."""
    found = False
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        if not sep:
            raise SignatureError("Digest header is malformed")
        hash_function = _DIGESTS.get(name.lower())
        if hash_function is None:
            continue
        if not hmac.compare_digest(_b64decode(encoded, "Digest"), hash_function(body).digest()):
            raise SignatureError("Digest does not match the body")
        found = True
    if not found:
        raise SignatureError("Digest header has no SHA-256 or SHA-512 value")


def _check_content_digest(value: str, body: bytes) -> None:
    """As ``_check_legacy_digest``, for RFC 9530's structured ``Content-Digest``."""
    found = False
    for name, member in parse_sf_dictionary(value).items():
        hash_function = _DIGESTS.get(name)
        if hash_function is None:
            continue
        if not isinstance(member, Item) or not isinstance(member.value, bytes):
            raise SignatureError("Content-Digest value is not a byte sequence")
        if not hmac.compare_digest(member.value, hash_function(body).digest()):
            raise SignatureError("Content-Digest does not match the body")
        found = True
    if not found:
        raise SignatureError("Content-Digest has no sha-256 or sha-512 value")


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"{what} is not valid base64") from exc


# --- Structured fields (RFC 8941), as far as signatures need them -------------------


@dataclass(frozen=True)
class Token:
    """An RFC 8941 token (unquoted, e.g. ``sha-256`` in some fields), kept apart from
    strings because they serialise differently."""

    value: str


BareItem = bool | int | Decimal | str | bytes | Token


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: dict[str, BareItem] = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: dict[str, BareItem] = field(default_factory=dict)


_LCALPHA: Final = frozenset("abcdefghijklmnopqrstuvwxyz")
_ALPHA: Final = _LCALPHA | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGIT: Final = frozenset("0123456789")
_KEY_CHARS: Final = _LCALPHA | _DIGIT | frozenset("_-.*")
_TCHAR: Final = _ALPHA | _DIGIT | frozenset("!#$%&'*+-.^_`|~")
_TOKEN_CHARS: Final = _TCHAR | frozenset(":/")
_BASE64_BODY: Final = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_MAX_INTEGER: Final = 999_999_999_999_999


class _SfParser:
    """The parsing algorithms of RFC 8941 §4.2, step by step; any deviation from the
    grammar is a SignatureError, never a guess."""

    def __init__(self, text: str) -> None:
        if len(text) > MAX_SIGNATURE_FIELD:
            raise SignatureError("structured field is too long")
        if not text.isascii():
            raise SignatureError("structured field is not ASCII")
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def take(self, expected: str) -> None:
        if self.peek() != expected:
            raise SignatureError(f"structured field: expected {expected!r}")
        self.pos += 1

    def skip(self, characters: tuple[str, ...]) -> None:
        while not self.at_end() and self.peek() in characters:
            self.pos += 1

    def dictionary(self) -> dict[str, Item | InnerList]:
        self.skip((" ",))
        members: dict[str, Item | InnerList] = {}
        while not self.at_end():
            name = self.key()
            if self.peek() == "=":
                self.pos += 1
                members[name] = self.item_or_inner_list()
            else:
                members[name] = Item(True, self.params())
            self.skip((" ", "\t"))
            if self.at_end():
                break
            self.take(",")
            self.skip((" ", "\t"))
            if self.at_end():
                raise SignatureError("structured field: trailing comma")
        return members

    def item_or_inner_list(self) -> Item | InnerList:
        if self.peek() == "(":
            return self.inner_list()
        return self.item()

    def inner_list(self) -> InnerList:
        self.take("(")
        items: list[Item] = []
        while not self.at_end():
            self.skip((" ",))
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.params())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise SignatureError("structured field: inner list items need a space")
        raise SignatureError("structured field: inner list is not closed")

    def item(self) -> Item:
        value = self.bare_item()
        return Item(value, self.params())

    def params(self) -> dict[str, BareItem]:
        params: dict[str, BareItem] = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip((" ",))
            name = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[name] = value
        return params

    def key(self) -> str:
        start = self.pos
        if self.peek() not in _LCALPHA and self.peek() != "*":
            raise SignatureError("structured field: a key must start with a-z or *")
        while not self.at_end() and self.peek() in _KEY_CHARS:
            self.pos += 1
        return self.text[start : self.pos]

    def bare_item(self) -> BareItem:
        first = self.peek()
        if first == "-" or first in _DIGIT:
            return self.number()
        if first == '"':
            return self.string()
        if first == ":":
            return self.byte_sequence()
        if first == "?":
            return self.boolean()
        if first in _ALPHA or first == "*":
            return self.token()
        raise SignatureError("structured field: not an item")

    def number(self) -> int | Decimal:
        negative = self.peek() == "-"
        if negative:
            self.pos += 1
        if self.peek() not in _DIGIT:
            raise SignatureError("structured field: a number needs digits")
        start = self.pos
        is_decimal = False
        while not self.at_end():
            char = self.peek()
            if char in _DIGIT:
                self.pos += 1
            elif char == "." and not is_decimal:
                if self.pos - start > 12:
                    raise SignatureError("structured field: decimal is too large")
                is_decimal = True
                self.pos += 1
            else:
                break
            if self.pos - start > (16 if is_decimal else 15):
                raise SignatureError("structured field: number is too long")
        digits = self.text[start : self.pos]
        sign = "-" if negative else ""
        if not is_decimal:
            return int(sign + digits)
        fraction = digits.partition(".")[2]
        if not fraction or len(fraction) > 3:
            raise SignatureError("structured field: decimal needs 1 to 3 fraction digits")
        return Decimal(sign + digits)

    def string(self) -> str:
        self.take('"')
        chars: list[str] = []
        while not self.at_end():
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                if self.peek() not in ('"', "\\"):
                    raise SignatureError("structured field: bad escape in string")
                chars.append(self.peek())
                self.pos += 1
            elif char == '"':
                return "".join(chars)
            elif not " " <= char <= "~":
                raise SignatureError("structured field: control character in string")
            else:
                chars.append(char)
        raise SignatureError("structured field: string is not closed")

    def token(self) -> Token:
        start = self.pos
        self.pos += 1
        while not self.at_end() and self.peek() in _TOKEN_CHARS:
            self.pos += 1
        return Token(self.text[start : self.pos])

    def byte_sequence(self) -> bytes:
        self.take(":")
        end = self.text.find(":", self.pos)
        if end < 0:
            raise SignatureError("structured field: byte sequence is not closed")
        encoded = self.text[self.pos : end]
        self.pos = end + 1
        # RFC 8941 §4.2.7 asks parsers to accept missing "=" padding, so pad here;
        # anything else outside the base64 alphabet is refused.
        if _BASE64_BODY.fullmatch(encoded) is None:
            raise SignatureError("structured field: byte sequence is not base64")
        data = encoded.rstrip("=")
        if len(data) % 4 == 1 or ("=" in encoded and len(encoded) % 4):
            raise SignatureError("structured field: byte sequence has a bad length")
        return base64.b64decode(data + "=" * (-len(data) % 4))

    def boolean(self) -> bool:
        self.take("?")
        char = self.peek()
        if char not in ("0", "1"):
            raise SignatureError("structured field: a boolean is ?0 or ?1")
        self.pos += 1
        return char == "1"


def parse_sf_dictionary(text: str) -> dict[str, Item | InnerList]:
    """An RFC 8941 dictionary (the form of ``Signature-Input``, ``Signature`` and
    ``Content-Digest``). Raises only SignatureError, whatever the text."""
    return _SfParser(text).dictionary()


def _serialize_key(name: str) -> str:
    if not name or (name[0] not in _LCALPHA and name[0] != "*"):
        raise SignatureError("structured field: bad key")
    if any(char not in _KEY_CHARS for char in name):
        raise SignatureError("structured field: bad key")
    return name


def _serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > _MAX_INTEGER:
            raise SignatureError("structured field: integer is too large")
        return str(value)
    if isinstance(value, Decimal):
        return _serialize_decimal(value)
    if isinstance(value, str):
        if any(not " " <= char <= "~" for char in value):
            raise SignatureError("structured field: string has a character it cannot carry")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Token):
        text = value.value
        if not text or (text[0] not in _ALPHA and text[0] != "*"):
            raise SignatureError("structured field: bad token")
        if any(char not in _TOKEN_CHARS for char in text):
            raise SignatureError("structured field: bad token")
        return text
    return ":" + base64.b64encode(value).decode("ascii") + ":"


def _serialize_decimal(value: Decimal) -> str:
    if not value.is_finite() or abs(value) >= Decimal(10) ** 12:
        raise SignatureError("structured field: decimal is out of range")
    try:
        rounded = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:
        raise SignatureError("structured field: decimal is out of range") from exc
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    if len(whole) > 12:
        raise SignatureError("structured field: decimal is out of range")
    sign = "-" if rounded < 0 else ""
    return f"{sign}{whole}.{fraction.rstrip('0') or '0'}"


def _serialize_params(params: Mapping[str, BareItem]) -> str:
    return "".join(
        ";" + _serialize_key(name) + ("" if value is True else "=" + _serialize_bare_item(value))
        for name, value in params.items()
    )


def serialize_item(item: Item) -> str:
    return _serialize_bare_item(item.value) + _serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    return ("(" + " ".join(serialize_item(item) for item in inner.items) + ")") + _serialize_params(
        inner.params
    )


def serialize_sf_dictionary(members: Mapping[str, Item | InnerList]) -> str:
    parts = []
    for name, member in members.items():
        if isinstance(member, InnerList):
            parts.append(f"{_serialize_key(name)}={serialize_inner_list(member)}")
        elif member.value is True:
            parts.append(_serialize_key(name) + _serialize_params(member.params))
        else:
            parts.append(f"{_serialize_key(name)}={serialize_item(member)}")
    return ", ".join(parts)


# --- Keys and algorithms -------------------------------------------------------------

PublicKey = PublicKeyTypes | bytes
"""A public key, or the shared secret of ``hmac-sha256`` (RFC 9421 vectors only)."""
PrivateKey = PrivateKeyTypes | bytes


@functools.lru_cache(maxsize=512)
def _public_key_from_pem(pem: str) -> PublicKeyTypes:
    # Cached: the inbox sees the same few peer keys over and over.
    try:
        return serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm) as exc:
        raise SignatureError("public key is not a PEM public key") from exc


@functools.lru_cache(maxsize=64)
def _private_key_from_pem(pem: str) -> PrivateKeyTypes:
    try:
        return serialization.load_pem_private_key(pem.strip().encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm) as exc:
        raise SignatureError("private key is not an unencrypted PEM private key") from exc


def _public_key(key: PublicKey | str) -> PublicKey:
    return _public_key_from_pem(key) if isinstance(key, str) else key


def _private_key(key: PrivateKey | str) -> PrivateKey:
    return _private_key_from_pem(key) if isinstance(key, str) else key


_PSS_SHA512: Final = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
_ECDSA_CURVES: Final = {
    "ecdsa-p256-sha256": (ec.SECP256R1, 32),
    "ecdsa-p384-sha384": (ec.SECP384R1, 48),
}


def _algorithms_for_key(key: PublicKey) -> tuple[str, ...]:
    """RFC 9421 algorithm names a key can verify when the signature does not say.

    RSA is ambiguous: hs2019 senders use PKCS#1 v1.5 with SHA-256 (Mastodon) or PSS
    with SHA-512 (the draft's reading); both are sound with the same key, so try both."""
    if isinstance(key, rsa.RSAPublicKey):
        return ("rsa-v1_5-sha256", "rsa-pss-sha512")
    if isinstance(key, ed25519.Ed25519PublicKey):
        return ("ed25519",)
    if isinstance(key, ec.EllipticCurvePublicKey):
        for name, (curve, _) in _ECDSA_CURVES.items():
            if isinstance(key.curve, curve):
                return (name,)
    if isinstance(key, bytes):
        return ("hmac-sha256",)
    raise SignatureError("key type is not supported")


def sign_rfc9421_base(base: str, key: PrivateKey | str, algorithm: str) -> bytes:
    """Sign a signature base (or a draft-cavage signing string) with an RFC 9421
    algorithm: rsa-pss-sha512, rsa-v1_5-sha256, ecdsa-p256-sha256, ecdsa-p384-sha384,
    ed25519 or hmac-sha256 (``key`` then being the shared secret as bytes)."""
    private = _private_key(key)
    data = _wire_bytes(base)
    if algorithm == "hmac-sha256":
        if not isinstance(private, bytes):
            raise SignatureError("hmac-sha256 needs a shared secret")
        return hmac.new(private, data, hashlib.sha256).digest()
    if algorithm in ("rsa-v1_5-sha256", "rsa-pss-sha512"):
        if not isinstance(private, rsa.RSAPrivateKey):
            raise SignatureError(f"{algorithm} needs an RSA key")
        if algorithm == "rsa-v1_5-sha256":
            return private.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return private.sign(data, _PSS_SHA512, hashes.SHA512())
    if algorithm == "ed25519":
        if not isinstance(private, ed25519.Ed25519PrivateKey):
            raise SignatureError("ed25519 needs an Ed25519 key")
        return private.sign(data)
    if algorithm in _ECDSA_CURVES:
        curve, size = _ECDSA_CURVES[algorithm]
        if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(
            private.curve, curve
        ):
            raise SignatureError(f"{algorithm} needs a key on its curve")
        digest = hashes.SHA256() if size == 32 else hashes.SHA384()
        # RFC 9421 §3.3.4: r and s as fixed-size big-endian integers, not DER.
        r, s = decode_dss_signature(private.sign(data, ec.ECDSA(digest)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise SignatureError(f"algorithm {algorithm} is not supported")


def _verify_with(algorithm: str, key: PublicKey, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is ``algorithm``'s signature of ``data`` under ``key``;
    SignatureError when the key cannot be used with that algorithm at all."""
    try:
        if algorithm == "hmac-sha256":
            if not isinstance(key, bytes):
                raise SignatureError("hmac-sha256 needs a shared secret")
            expected = hmac.new(key, data, hashlib.sha256).digest()
            return hmac.compare_digest(expected, signature)
        if algorithm in ("rsa-v1_5-sha256", "rsa-pss-sha512"):
            if not isinstance(key, rsa.RSAPublicKey):
                raise SignatureError(f"{algorithm} needs an RSA key")
            if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
                raise SignatureError("RSA key size is out of bounds")
            if algorithm == "rsa-v1_5-sha256":
                key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            else:
                key.verify(signature, data, _PSS_SHA512, hashes.SHA512())
            return True
        if algorithm == "ed25519":
            if not isinstance(key, ed25519.Ed25519PublicKey):
                raise SignatureError("ed25519 needs an Ed25519 key")
            key.verify(signature, data)
            return True
        if algorithm in _ECDSA_CURVES:
            curve, size = _ECDSA_CURVES[algorithm]
            if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, curve):
                raise SignatureError(f"{algorithm} needs a key on its curve")
            if len(signature) != 2 * size:
                return False
            der = encode_dss_signature(
                int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
            )
            digest = hashes.SHA256() if size == 32 else hashes.SHA384()
            key.verify(der, data, ec.ECDSA(digest))
            return True
    except InvalidSignature:
        return False
    raise SignatureError(f"algorithm {algorithm} is not supported")


def _verify_any(algorithms: Sequence[str], key: PublicKey, data: bytes, signature: bytes) -> str:
    for algorithm in algorithms:
        if _verify_with(algorithm, key, data, signature):
            return algorithm
    raise SignatureError("signature does not verify")


def _fetch_public_key(public_key_for: Callable[[str], str], key_id: str) -> PublicKeyTypes:
    try:
        pem: object = public_key_for(key_id)
    except SignatureError:
        raise
    except Exception as exc:
        # The lookup may fetch over the network; whatever went wrong there, the
        # request is simply not verified.
        raise SignatureError(f"no key for {key_id}: {type(exc).__name__}") from exc
    if isinstance(pem, bytes):
        pem = pem.decode("ascii", errors="replace")
    if not isinstance(pem, str):
        raise SignatureError(f"no PEM key for {key_id}")
    return _public_key_from_pem(pem)


# --- Headers -------------------------------------------------------------------------


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key in lowered:
            raise SignatureError(f"header {key} is given twice")
        lowered[key] = value
    return lowered


def _wire_bytes(text: str) -> bytes:
    """The bytes of signed text as they were on the wire: servers (WSGI among them)
    hand header values over decoded as ISO-8859-1, so encoding back recovers them."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise SignatureError("signed text has characters no header can carry") from exc


def _header_value(headers: Mapping[str, str], name: str) -> str:
    if name not in headers:
        raise SignatureError(f"signed header {name} is missing")
    value = headers[name].strip()
    # A line break inside a value could forge extra lines of the signed text.
    if "\n" in value or "\r" in value:
        raise SignatureError(f"header {name} contains a line break")
    return value


def _origin_form(path: str) -> str:
    if not path.startswith("/") or any(char in path for char in " \t\r\n"):
        raise SignatureError("request target is not an origin-form path")
    return path


# --- draft-cavage-http-signatures-12 -------------------------------------------------

_CAVAGE_PARAM: Final = re.compile(r'[ \t]*([A-Za-z]+)=(?:"([^"]*)"|([0-9]{1,15}))[ \t]*(,|$)')


def parse_cavage_signature(value: str) -> dict[str, str]:
    """The parameters of a draft-cavage ``Signature`` header (or of an ``Authorization:
    Signature`` credential), names lower-cased: ``keyid``, ``algorithm``, ``headers``,
    ``signature``, ``created``, ``expires``. A repeated name is an error."""
    if len(value) > MAX_SIGNATURE_FIELD:
        raise SignatureError("Signature header is too long")
    params: dict[str, str] = {}
    pos = 0
    while pos < len(value):
        match = _CAVAGE_PARAM.match(value, pos)
        if match is None:
            raise SignatureError("Signature header is malformed")
        name = match.group(1).lower()
        if name in params:
            raise SignatureError(f"Signature parameter {name} is repeated")
        params[name] = match.group(2) if match.group(2) is not None else match.group(3)
        pos = match.end()
        if match.group(4) == "," and pos == len(value):
            raise SignatureError("Signature header ends with a comma")
    if not params:
        raise SignatureError("Signature header is empty")
    return params


def cavage_signing_string(
    method: str,
    path: str,
    headers: Mapping[str, str],
    covered: Sequence[str],
    *,
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """The text a draft-cavage signature signs: one ``name: value`` line per covered
    name, joined by "\\n" (draft-cavage-12 §2.3)."""
    lowered = _lower_headers(headers)
    lines = []
    for name in covered:
        if name == "(request-target)":
            value = f"{method.lower()} {_origin_form(path)}"
        elif name in ("(created)", "(expires)"):
            moment = created if name == "(created)" else expires
            if moment is None:
                raise SignatureError(f"{name} is covered but has no parameter")
            value = str(moment)
        else:
            value = _header_value(lowered, name)
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


_AUTHORITY: Final = re.compile(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def _split_url(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as exc:
        raise SignatureError("URL is malformed") from exc


def _host_for(url: str) -> tuple[str, str]:
    """(Host header, origin-form target) of an absolute http(s) URL."""
    parts = _split_url(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SignatureError("only absolute http and https URLs can be signed")
    if parts.username is not None or parts.password is not None:
        raise SignatureError("a URL with credentials cannot be signed")
    try:
        port = parts.port
    except ValueError as exc:
        raise SignatureError("URL has a bad port") from exc
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is not None and (parts.scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return host, target


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    key: SigningKey,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to send: ``headers`` plus Host, Date (unless given), Digest (when
    there is a body) and a draft-cavage ``Signature`` over ``(request-target) host
    date [digest]`` with rsa-sha256, the form Mastodon and the others accept."""
    host, target = _host_for(url)
    if any(char in key.key_id for char in '"\r\n'):
        raise SignatureError("key id cannot be put in a Signature header")
    replaced = {"host", "digest", "signature"}
    signed = {name: value for name, value in headers.items() if name.lower() not in replaced}
    signed["Host"] = host
    if not any(name.lower() == "date" for name in signed):
        signed["Date"] = http_date(now if now is not None else datetime.now(UTC))
    covered = ["(request-target)", "host", "date"]
    if body is not None:
        signed["Digest"] = body_digest(body)
        covered.append("digest")
    text = cavage_signing_string(method, target, signed, covered)
    signature = sign_rfc9421_base(text, key.private_key_pem, "rsa-v1_5-sha256")
    signed["Signature"] = (
        f'keyId="{key.key_id}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return signed


def _optional_int(params: Mapping[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        raise SignatureError(f"Signature parameter {name} is not a number")
    return int(value)


def _verify_cavage(
    credential: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_for: Callable[[str], str],
    now: datetime,
    max_skew: timedelta,
    require: bool,
) -> VerifiedSignature:
    params = parse_cavage_signature(credential)
    key_id = params.get("keyid")
    encoded = params.get("signature")
    if not key_id or not encoded:
        raise SignatureError("Signature has no keyId or no signature")
    # Mastodon's reading: no algorithm means hs2019 (the key decides), no headers
    # means "date" (draft-cavage before version 10; version 12 says "(created)",
    # which is not allowed with rsa-sha256 and which nobody sends bare).
    algorithm = params.get("algorithm", "hs2019").lower()
    covered = tuple(params.get("headers", "date").lower().split())
    if not covered or len(covered) > MAX_COVERED or len(set(covered)) != len(covered):
        raise SignatureError("Signature headers list is empty, too long or repeats a name")
    created = _optional_int(params, "created")
    expires = _optional_int(params, "expires")

    # The cheap checks first: a request that fails them costs no key fetch.
    if require:
        missing = [
            name
            for name, present in (
                ("(request-target)", "(request-target)" in covered),
                ("host", "host" in covered),
                ("date", "date" in covered or "(created)" in covered),
                ("digest", body is None or "digest" in covered),
            )
            if not present
        ]
        if missing:
            raise SignatureError("signature does not cover " + ", ".join(missing))
    if body is not None and "digest" in headers:
        _check_legacy_digest(headers["digest"], body)
    # Only signed times count: a created or expires outside the covered list is noise.
    signed_at = _check_times(
        "date" in covered,
        headers,
        created if "(created)" in covered else None,
        expires if "(expires)" in covered else None,
        now,
        max_skew,
    )

    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"algorithm {algorithm} is not accepted")
    text = cavage_signing_string(method, path, headers, covered, created=created, expires=expires)
    signature = _b64decode(encoded, "signature")
    public_key = _fetch_public_key(public_key_for, key_id)
    if algorithm == "rsa-sha256":
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise SignatureError("rsa-sha256 needs an RSA key")
        algorithms: tuple[str, ...] = ("rsa-v1_5-sha256",)
    elif isinstance(public_key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        algorithms = _algorithms_for_key(public_key)
    else:
        raise SignatureError("hs2019 is accepted with RSA and Ed25519 keys only")
    _verify_any(algorithms, public_key, _wire_bytes(text), signature)
    return VerifiedSignature(key_id, "cavage", covered, signed_at)


def _check_times(
    date_covered: bool,
    headers: Mapping[str, str],
    created: int | None,
    expires: int | None,
    now: datetime,
    max_skew: timedelta,
) -> datetime | None:
    """Check every signed time; return when the signature says it was made."""
    signed_at = None
    if date_covered:
        signed_at = parse_http_date(_header_value(headers, "date"))
        _check_fresh(signed_at, now, max_skew, "Date")
    if created is not None:
        created_at = _from_unix(created, "created")
        _check_fresh(created_at, now, max_skew, "created")
        signed_at = signed_at or created_at
    if expires is not None and _from_unix(expires, "expires") < now:
        raise SignatureError("signature has expired")
    return signed_at


# --- RFC 9421 ----------------------------------------------------------------------


@dataclass(frozen=True)
class Rfc9421Message:
    """What an RFC 9421 signature base is built from: the headers, and for a request
    its method and full target URI, for a response its status."""

    headers: Mapping[str, str]
    method: str | None = None
    target_uri: str | None = None
    status: int | None = None


_FORM_SAFE: Final = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-._")


def _form_decode(text: str) -> bytes:
    return unquote_to_bytes(text.replace("+", " "))


def _form_encode(data: bytes) -> str:
    # RFC 9421 §2.2.8: re-encode with the application/x-www-form-urlencoded
    # percent-encode set, spaces as %20, so both sides compare the same bytes.
    return "".join(chr(byte) if byte in _FORM_SAFE else f"%{byte:02X}" for byte in data)


def _derived_values(
    name: str, params: Mapping[str, BareItem], message: Rfc9421Message
) -> list[str]:
    if name == "@status":
        if message.status is None or params:
            raise SignatureError("@status is only for responses, without parameters")
        return [f"{message.status:03d}"]
    if message.method is None or message.target_uri is None:
        raise SignatureError(f"{name} needs a request")
    if params and (name != "@query-param" or set(params) != {"name"}):
        raise SignatureError(f"component {name} has parameters we do not support")
    parts = _split_url(message.target_uri)
    path = parts.path or "/"
    if name == "@method":
        return [message.method]
    if name == "@target-uri":
        return [message.target_uri]
    if name == "@authority":
        host, _ = _host_for(message.target_uri)
        return [host]
    if name == "@scheme":
        return [parts.scheme.lower()]
    if name == "@request-target":
        return [path + (f"?{parts.query}" if parts.query else "")]
    if name == "@path":
        return [path]
    if name == "@query":
        return [f"?{parts.query}"]
    if name == "@query-param":
        wanted = params.get("name")
        if not isinstance(wanted, str):
            raise SignatureError("@query-param needs a name")
        wanted_bytes = _form_decode(wanted)
        values = []
        for pair in parts.query.split("&") if parts.query else []:
            key, _, value = pair.partition("=")
            if _form_decode(key) == wanted_bytes:
                values.append(_form_encode(_form_decode(value)))
        if not values:
            raise SignatureError("covered query parameter is missing")
        return values
    raise SignatureError(f"derived component {name} is not supported")


def rfc9421_signature_base(message: Rfc9421Message, signature_params: InnerList) -> str:
    """The signature base of RFC 9421 §2.5: one line per covered component, then the
    ``@signature-params`` line, joined by "\\n"."""
    headers = _lower_headers(message.headers)
    lines: list[str] = []
    seen: set[str] = set()
    if len(signature_params.items) > MAX_COVERED:
        raise SignatureError("signature covers too many components")
    for component in signature_params.items:
        name = component.value
        if not isinstance(name, str) or not name or name != name.lower():
            raise SignatureError("component name is not a lower-case string")
        identifier = serialize_item(component)
        if identifier in seen:
            raise SignatureError(f"component {identifier} is covered twice")
        seen.add(identifier)
        if name.startswith("@"):
            values = _derived_values(name, component.params, message)
        elif component.params:
            raise SignatureError(f"field {name} has parameters we do not support")
        else:
            values = [_header_value(headers, name)]
        lines.extend(f"{identifier}: {value}" for value in values)
    lines.append(f'"@signature-params": {serialize_inner_list(signature_params)}')
    return "\n".join(lines)


def sign_rfc9421(
    message: Rfc9421Message,
    components: Sequence[str | Item],
    params: Mapping[str, BareItem],
    key: PrivateKey | str,
    algorithm: str,
    *,
    label: str = "sig1",
) -> tuple[str, str]:
    """(Signature-Input, Signature) header values for an RFC 9421 signature."""
    inner = InnerList(tuple(Item(c) if isinstance(c, str) else c for c in components), dict(params))
    signature = sign_rfc9421_base(rfc9421_signature_base(message, inner), key, algorithm)
    return (
        serialize_sf_dictionary({label: inner}),
        serialize_sf_dictionary({label: Item(signature)}),
    )


def _signature_pairs(signature_input: str, signature: str) -> list[tuple[str, InnerList, bytes]]:
    inputs = parse_sf_dictionary(signature_input)
    signatures = parse_sf_dictionary(signature)
    pairs = []
    for label, spec in inputs.items():
        if label not in signatures:
            continue
        value = signatures[label]
        if not isinstance(spec, InnerList):
            raise SignatureError(f"Signature-Input {label} is not an inner list")
        if not isinstance(value, Item) or not isinstance(value.value, bytes):
            raise SignatureError(f"Signature {label} is not a byte sequence")
        pairs.append((label, spec, value.value))
    if not pairs:
        raise SignatureError("no Signature matches a Signature-Input label")
    if len(pairs) > MAX_SIGNATURES:
        raise SignatureError("too many signatures")
    return pairs


def _param(params: Mapping[str, BareItem], name: str, kind: type) -> object:
    value = params.get(name)
    # bool is an int in Python; a "?1" is never a time.
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise SignatureError(f"signature parameter {name} has the wrong type")
    return value


def _covered_names(spec: InnerList) -> tuple[str, ...]:
    return tuple(str(item.value) for item in spec.items)


def _check_rfc9421(
    message: Rfc9421Message,
    spec: InnerList,
    signature: bytes,
    key: PublicKey,
    algorithm: str | None,
) -> None:
    stated = _param(spec.params, "alg", str)
    if algorithm is not None and stated is not None and stated != algorithm:
        raise SignatureError("signature names another algorithm")
    chosen = algorithm or stated
    algorithms = (str(chosen),) if chosen is not None else _algorithms_for_key(key)
    base = rfc9421_signature_base(message, spec)
    _verify_any(algorithms, key, _wire_bytes(base), signature)


def verify_rfc9421(
    message: Rfc9421Message,
    signature_input: str,
    signature: str,
    key: PublicKey | str,
    *,
    label: str | None = None,
    algorithm: str | None = None,
) -> VerifiedSignature:
    """Verify one RFC 9421 signature with a key given directly (a PEM, a key object,
    or the shared secret of hmac-sha256). No policy: no required components, no clock;
    ``verify_request`` adds those."""
    pairs = _signature_pairs(signature_input, signature)
    if label is None and len(pairs) > 1:
        raise SignatureError("several signatures: say which label to verify")
    chosen = [pair for pair in pairs if label is None or pair[0] == label]
    if not chosen:
        raise SignatureError(f"no signature labelled {label}")
    _, spec, signature_bytes = chosen[0]
    _check_rfc9421(message, spec, signature_bytes, _public_key(key), algorithm)
    created = _param(spec.params, "created", int)
    return VerifiedSignature(
        str(_param(spec.params, "keyid", str) or ""),
        "rfc9421",
        _covered_names(spec),
        _from_unix(created, "created") if isinstance(created, int) else None,
    )


def _verify_rfc9421_request(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_for: Callable[[str], str],
    now: datetime,
    max_skew: timedelta,
    require: bool,
    scheme: str,
) -> VerifiedSignature:
    host = _header_value(headers, "host")
    if _AUTHORITY.fullmatch(host) is None:
        raise SignatureError("Host is not a host name with an optional port")
    message = Rfc9421Message(headers, method, f"{scheme}://{host}{_origin_form(path)}")
    failures = []
    for _, spec, signature in _signature_pairs(
        headers["signature-input"], headers.get("signature", "")
    ):
        try:
            return _verify_rfc9421_label(
                message, spec, signature, body, public_key_for, now, max_skew, require
            )
        except SignatureError as exc:
            failures.append(exc)
    raise failures[0]


def _verify_rfc9421_label(
    message: Rfc9421Message,
    spec: InnerList,
    signature: bytes,
    body: bytes | None,
    public_key_for: Callable[[str], str],
    now: datetime,
    max_skew: timedelta,
    require: bool,
) -> VerifiedSignature:
    headers = _lower_headers(message.headers)
    covered = _covered_names(spec)
    created = _param(spec.params, "created", int)
    expires = _param(spec.params, "expires", int)
    key_id = _param(spec.params, "keyid", str)
    algorithm = _param(spec.params, "alg", str)
    if require:
        # @target-uri carries the authority too, so it also answers for the host.
        missing = [
            name
            for name, present in (
                ("@method", "@method" in covered),
                (
                    "@target-uri or @path",
                    bool({"@target-uri", "@path", "@request-target"} & set(covered)),
                ),
                ("host", bool({"host", "@authority", "@target-uri"} & set(covered))),
                ("date or created", "date" in covered or created is not None),
                (
                    "content-digest",
                    body is None or bool({"content-digest", "digest"} & set(covered)),
                ),
            )
            if not present
        ]
        if missing:
            raise SignatureError("signature does not cover " + ", ".join(missing))
    if body is not None:
        if "content-digest" in headers:
            _check_content_digest(headers["content-digest"], body)
        if "digest" in headers:
            _check_legacy_digest(headers["digest"], body)
    # created and expires sit in @signature-params, so they are always signed.
    signed_at = _check_times(
        "date" in covered,
        headers,
        created if isinstance(created, int) else None,
        expires if isinstance(expires, int) else None,
        now,
        max_skew,
    )
    if not isinstance(key_id, str) or not key_id:
        raise SignatureError("signature has no keyid")
    if algorithm == "hmac-sha256":
        # A shared secret cannot travel in an actor document; refuse rather than
        # let a public key be read as an HMAC secret.
        raise SignatureError("hmac-sha256 is not accepted between instances")
    public_key = _fetch_public_key(public_key_for, key_id)
    _check_rfc9421(message, spec, signature, public_key, None)
    return VerifiedSignature(key_id, "rfc9421", covered, signed_at)


# --- The inbox's entry point ---------------------------------------------------------


def verify_request(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes | None,
    public_key_for: Callable[[str], str],
    *,
    now: datetime | None = None,
    max_skew: timedelta = timedelta(hours=1),
    require: bool = True,
    scheme: str = "https",
) -> VerifiedSignature:
    """Verify a received request's signature (RFC 9421 if it has ``Signature-Input``,
    else draft-cavage in ``Signature`` or ``Authorization: Signature``).

    ``path`` is the target as received, query included; ``scheme`` rebuilds
    ``@target-uri`` for RFC 9421. With ``require`` (the inbox), the signature must
    cover the target, the host, the date and, when there is a body, its digest, and
    that digest must match. Dates must lie within ``max_skew`` of ``now`` either way.
    Any failure raises SignatureError; nothing else is raised for bad input."""
    now = now if now is not None else datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    lowered = _lower_headers(headers)
    for name in ("signature", "signature-input", "authorization"):
        if len(lowered.get(name, "")) > MAX_SIGNATURE_FIELD:
            raise SignatureError(f"{name} header is too long")
    if "signature-input" in lowered:
        return _verify_rfc9421_request(
            method, path, lowered, body, public_key_for, now, max_skew, require, scheme
        )
    credential = lowered.get("signature")
    if credential is None:
        auth_scheme, _, rest = lowered.get("authorization", "").strip().partition(" ")
        if auth_scheme.lower() == "signature":
            credential = rest
    if credential is None:
        raise SignatureError("request is not signed")
    return _verify_cavage(
        credential, method, path, lowered, body, public_key_for, now, max_skew, require
    )
