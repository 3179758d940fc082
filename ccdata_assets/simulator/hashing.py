"""Stable, vectorised pseudo-randomness: every synthetic value is a pure function of its inputs.

Python's ``hash()`` is salted per process, so seeds come from blake2b and per-element noise from
splitmix64 over numpy ``uint64`` arrays (wrapping arithmetic, no state, O(n)).
"""

from __future__ import annotations

import hashlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_K = np.uint64(0xD1B54A32D192ED03)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53


def seed_of(*parts: object) -> int:
    """A 64-bit seed from any printable parts; identical in every process and on every day."""
    raw = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "little")


def _mix(z: np.ndarray) -> np.ndarray:
    z = z + _GOLDEN
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def hash64(seed: int, idx: np.ndarray) -> np.ndarray:
    """splitmix64 of (seed, index) for an int64 index array; returns uint64."""
    z = np.asarray(idx, dtype=np.int64).astype(np.uint64) * _K
    return _mix(z ^ np.uint64(seed))


def uniform(seed: int, idx: np.ndarray) -> np.ndarray:
    """Uniform floats in [0, 1), one per index."""
    return (hash64(seed, idx) >> _S11).astype(np.float64) * _INV53


def signed(seed: int, idx: np.ndarray) -> np.ndarray:
    """Uniform floats in [-1, 1)."""
    return uniform(seed, idx) * 2.0 - 1.0


def logistic(seed: int, idx: np.ndarray) -> np.ndarray:
    """Unit-variance, zero-mean noise with fat-ish tails (logistic), one per index."""
    u = np.clip(uniform(seed, idx), 1e-12, 1.0 - 1e-12)
    return np.log(u / (1.0 - u)) * 0.5513288954217921


def unit_float(*parts: object) -> float:
    """A single uniform float in [0, 1) for scalar decisions (universe building)."""
    return (seed_of(*parts) >> 11) * _INV53
