"""Encryption of free text at rest (MultiFernet over the configured keys, newest first) and
the audit chain's MAC keys derived from the same keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class CryptoError(Exception):
    """The configured keys are missing or unusable."""


AUDIT_MAC_INFO = b"regiebot audit chain: HMAC-SHA256 key, v1"
AUDIT_KEY_ID_INFO = b"regiebot audit chain: key id, v1"


@dataclass(frozen=True)
class MacKey:
    """An HMAC-SHA256 key of the audit chain and its public id (never the key itself)."""

    key_id: str
    secret: bytes = field(repr=False)

    def mac(self, message: bytes) -> str:
        """Return the hex HMAC-SHA256 of `message`."""
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def matches(self, message: bytes, mac: str) -> bool:
        """Tell, in constant time, whether `mac` is this key's MAC of `message`."""
        return hmac.compare_digest(self.mac(message), mac)


def _hkdf(material: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(material)


def derive_mac_key(fernet_key: str) -> MacKey:
    """Derive the audit chain's MAC key and key id from a Fernet key with HKDF-SHA256.

    Separate HKDF labels keep the MAC key independent of the encryption key and make the
    key id (stored with every audit row) useless for recovering either.
    """
    material = base64.urlsafe_b64decode(fernet_key.encode("ascii"))
    return MacKey(key_id=_hkdf(material, AUDIT_KEY_ID_INFO, 6).hex(),
                  secret=_hkdf(material, AUDIT_MAC_INFO, 32))


class Keyring:
    """Encrypt with the newest key; decrypt with any configured key; MAC the audit chain with
    the newest key's derived MAC key and check it with any configured key's."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise CryptoError("no encryption keys configured")
        try:
            self._fernets = [Fernet(k.encode("ascii")) for k in keys]
        except (ValueError, UnicodeEncodeError) as exc:
            raise CryptoError("an encryption key is not a valid Fernet key") from exc
        self._multi = MultiFernet(self._fernets)
        self._mac_keys = [derive_mac_key(k) for k in keys]
        self._mac_by_id = {k.key_id: k for k in reversed(self._mac_keys)}

    @property
    def mac_key(self) -> MacKey:
        """Return the audit chain's MAC key for new rows (from the newest key)."""
        return self._mac_keys[0]

    def mac_key_by_id(self, key_id: str) -> MacKey | None:
        """Return the configured MAC key with this id, if any."""
        return self._mac_by_id.get(key_id)

    def encrypt(self, plaintext: str) -> str:
        """Return the token for `plaintext` under the newest key."""
        return self._multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the plaintext of a token made with any configured key."""
        try:
            return self._multi.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise CryptoError("stored text cannot be decrypted with the configured keys") from exc

    def rotate(self, token: str) -> str:
        """Return the token re-encrypted under the newest key."""
        return self._multi.rotate(token.encode("ascii")).decode("ascii")

    def is_current(self, token: str) -> bool:
        """Tell whether the token was made with the newest key."""
        try:
            self._fernets[0].decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True


def generate_key() -> str:
    """Return a fresh Fernet key."""
    return Fernet.generate_key().decode("ascii")


_keyring: Keyring | None = None


def set_keyring(keyring: Keyring | None) -> None:
    """Install the process-wide keyring used by the EncryptedText column type."""
    global _keyring
    _keyring = keyring


def get_keyring() -> Keyring:
    """Return the installed keyring or fail loudly (never store plaintext)."""
    if _keyring is None:
        raise CryptoError("encryption keyring not configured")
    return _keyring
