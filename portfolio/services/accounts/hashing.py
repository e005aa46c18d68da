"""Password hashing with Argon2id (argon2-cffi); the one place that knows the algorithm."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

_DUMMY_INPUT = "a password nobody has, used only to spend the same time"
# Verified against when the email is unknown, so a stranger cannot time the difference. Made by
# configure() (create_app calls it), not at import: a hash at the default cost takes about 0.15 s
# of CPU, which every process paid once more only to replace it.
_DUMMY_HASH: str | None = None


def configure(time_cost: int | None, memory_cost_kib: int | None, parallelism: int | None) -> None:
    """Set the Argon2 parameters for this process (None keeps argon2-cffi's RFC 9106 default).

    Hashes made with other parameters still verify and are replaced at the next sign-in.
    """
    global _hasher, _DUMMY_HASH
    defaults = PasswordHasher()
    hasher = PasswordHasher(
        time_cost=time_cost or defaults.time_cost,
        memory_cost=memory_cost_kib or defaults.memory_cost,
        parallelism=parallelism or defaults.parallelism,
    )
    if _DUMMY_HASH is not None and _parameters(hasher) == _parameters(_hasher):
        return  # the same parameters again (another app in this process): nothing to redo
    _hasher = hasher
    _DUMMY_HASH = _hasher.hash(_DUMMY_INPUT)


def _parameters(hasher: PasswordHasher) -> tuple[int, int, int]:
    return hasher.time_cost, hasher.memory_cost, hasher.parallelism


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; False for a wrong password or an unusable stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def spend_verification_time(password: str) -> None:
    """Do the work of one verification and forget the result (for unknown accounts)."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:  # configure() was not called (a script using the services alone)
        _DUMMY_HASH = _hasher.hash(_DUMMY_INPUT)
    verify_password(_DUMMY_HASH, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (rehash on sign-in)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False
