"""Encryption of free text at rest: MultiFernet over the configured keys, newest first."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CryptoError(Exception):
    """The configured keys are missing or unusable."""


class Keyring:
    """Encrypt with the newest key; decrypt with any configured key."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise CryptoError("no encryption keys configured")
        try:
            self._fernets = [Fernet(k.encode("ascii")) for k in keys]
        except (ValueError, UnicodeEncodeError) as exc:
            raise CryptoError("an encryption key is not a valid Fernet key") from exc
        self._multi = MultiFernet(self._fernets)

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
