"""Deterministic development SRS files, one per circuit size, all from one public secret.

INSECURE BY DESIGN: the secret `DEV_TAU` is derived from a public string, so anyone can forge proofs
against keys made on these files. They exist so that development and tests get (a) an SRS file of
exactly the circuit's size for every k (EZKL re-derives a smaller SRS from a larger one on every
call, which made proving 2-5x slower), (b) one secret shared by every size, as a real powers-of-tau
ceremony has, so every model's VKA carries the same G2 points, and (c) byte-identical keys, VKAs and
artifact ids on every machine. See docs/decisions/0010-deterministic-dev-srs.md.

The file is halo2's ParamsKZG in RawBytes form: u32 LE k; g[i] = tau^i * G1 for i < 2^k; the
Lagrange basis g_lagrange[i] = L_i(tau) * G1 over the 2^k-th roots of unity; G2; tau * G2.
Coordinates are 32-byte little-endian Montgomery form (x * 2^256 mod p); Fp2 elements are c0, c1.
Checked against EZKL: keys made on the k-file equal keys EZKL derives from a larger file, and
proofs verify (prover/python/tests/test_dev_srs.py).
"""

from __future__ import annotations

import hashlib

P = 21888242871839275222246405745257275088696311157297823662689037894645226208583
R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
# The 2-adicity of R - 1 is 28; halo2 squares the 2^28-th root of unity (7^((R-1)/2^28)) down to 2^k.
TWO_ADICITY = 28
MULTIPLICATIVE_GENERATOR = 7
DEV_TAU_SEED = b"zk-vin development SRS v1: INSECURE, the secret is public"
DEV_TAU = int.from_bytes(hashlib.sha256(DEV_TAU_SEED).digest(), "big") % R

G1 = (1, 2)
G2 = (
    (10857046999023057135944570762232829481370756359578518086990519993285655852781, 11559732032986387107991004021392285783925812861821192530917403151452391805634),
    (8495653923123431417604973247489272438418190587263600148770280649306958101930, 4082367875863433681332203403145435568316851327593401208105741076214120093531),
)
_MONT = (1 << 256) % P
WINDOW = 8


def root_of_unity(k: int) -> int:
    omega = pow(MULTIPLICATIVE_GENERATOR, (R - 1) >> TWO_ADICITY, R)
    for _ in range(k, TWO_ADICITY):
        omega = omega * omega % R
    return omega


# ---- G1 in Jacobian coordinates (a = 0) ---------------------------------------------------------

Jac = tuple[int, int, int]
INF: Jac = (1, 1, 0)


def _jdouble(pt: Jac) -> Jac:
    x, y, z = pt
    if z == 0 or y == 0:
        return INF
    a = x * x % P
    b = y * y % P
    c = b * b % P
    d = 2 * ((x + b) * (x + b) - a - c) % P
    e = 3 * a % P
    f = e * e % P
    x3 = (f - 2 * d) % P
    y3 = (e * (d - x3) - 8 * c) % P
    z3 = 2 * y * z % P
    return (x3, y3, z3)


def _jadd_affine(pt: Jac, q: tuple[int, int]) -> Jac:
    """Jacobian + affine (madd-2007-bl)."""
    x1, y1, z1 = pt
    if z1 == 0:
        return (q[0], q[1], 1)
    x2, y2 = q
    z1z1 = z1 * z1 % P
    u2 = x2 * z1z1 % P
    s2 = y2 * z1 % P * z1z1 % P
    h = (u2 - x1) % P
    r = 2 * (s2 - y1) % P
    if h == 0:
        return _jdouble(pt) if r == 0 else INF
    hh = h * h % P
    i = 4 * hh % P
    j = h * i % P
    v = x1 * i % P
    x3 = (r * r - j - 2 * v) % P
    y3 = (r * (v - x3) - 2 * y1 * j) % P
    z3 = ((z1 + h) * (z1 + h) - z1z1 - hh) % P
    return (x3, y3, z3)


def _batch_affine(points: list[Jac]) -> list[tuple[int, int]]:
    """Jacobian -> affine with one field inversion for the whole list (none may be infinity)."""
    prefix = [1] * (len(points) + 1)
    for i, (_, _, z) in enumerate(points):
        if z == 0:
            raise ValueError("point at infinity in an SRS: the secret hit a root of unity")
        prefix[i + 1] = prefix[i] * z % P
    inv = pow(prefix[-1], P - 2, P)
    out: list[tuple[int, int]] = [(0, 0)] * len(points)
    for i in range(len(points) - 1, -1, -1):
        x, y, z = points[i]
        zi = inv * prefix[i] % P
        inv = inv * z % P
        zi2 = zi * zi % P
        out[i] = (x * zi2 % P, y * zi2 % P * zi % P)
    return out


class FixedBase:
    """Multiples of G1 by 256-bit scalars through a table of d * 2^(8w) * G1."""

    def __init__(self) -> None:
        table: list[Jac] = []
        base: Jac = (G1[0], G1[1], 1)
        for _ in range(256 // WINDOW):
            acc = base
            row = [acc]
            base_aff = _batch_affine([base])[0]
            for _ in range((1 << WINDOW) - 2):
                acc = _jadd_affine(acc, base_aff)
                row.append(acc)
            table.extend(row)
            for _ in range(WINDOW):
                base = _jdouble(base)
        affine = _batch_affine(table)
        per = (1 << WINDOW) - 1
        self.rows = [affine[w * per : (w + 1) * per] for w in range(256 // WINDOW)]

    def mul(self, scalar: int) -> Jac:
        acc = INF
        mask = (1 << WINDOW) - 1
        for row in self.rows:
            d = scalar & mask
            if d:
                acc = _jadd_affine(acc, row[d - 1])
            scalar >>= WINDOW
            if not scalar:
                break
        return acc


# ---- G2 (affine over Fp2, u^2 = -1): one scalar multiplication, speed does not matter ----------

Fp2 = tuple[int, int]


def _f2_add(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] + b[0]) % P, (a[1] + b[1]) % P)


def _f2_sub(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] - b[0]) % P, (a[1] - b[1]) % P)


def _f2_mul(a: Fp2, b: Fp2) -> Fp2:
    return ((a[0] * b[0] - a[1] * b[1]) % P, (a[0] * b[1] + a[1] * b[0]) % P)


def _f2_inv(a: Fp2) -> Fp2:
    n = pow((a[0] * a[0] + a[1] * a[1]) % P, P - 2, P)
    return (a[0] * n % P, -a[1] * n % P)


def _g2_add(p1: tuple[Fp2, Fp2] | None, p2: tuple[Fp2, Fp2] | None) -> tuple[Fp2, Fp2] | None:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2:
        if _f2_add(y1, y2) == (0, 0):
            return None
        lam = _f2_mul(_f2_mul((3, 0), _f2_mul(x1, x1)), _f2_inv(_f2_add(y1, y1)))
    else:
        lam = _f2_mul(_f2_sub(y2, y1), _f2_inv(_f2_sub(x2, x1)))
    x3 = _f2_sub(_f2_sub(_f2_mul(lam, lam), x1), x2)
    y3 = _f2_sub(_f2_mul(lam, _f2_sub(x1, x3)), y1)
    return (x3, y3)


def g2_mul(scalar: int) -> tuple[Fp2, Fp2]:
    acc: tuple[Fp2, Fp2] | None = None
    add: tuple[Fp2, Fp2] | None = G2
    while scalar:
        if scalar & 1:
            acc = _g2_add(acc, add)
        add = _g2_add(add, add)
        scalar >>= 1
    if acc is None:
        raise ValueError("zero scalar")
    return acc


# ---- the file ---------------------------------------------------------------------------------


def _raw(v: int) -> bytes:
    return (v * _MONT % P).to_bytes(32, "little")


def _g1_bytes(points: list[tuple[int, int]]) -> bytes:
    return b"".join(_raw(x) + _raw(y) for x, y in points)


def _g2_bytes(pt: tuple[Fp2, Fp2]) -> bytes:
    (x0, x1), (y0, y1) = pt
    return _raw(x0) + _raw(x1) + _raw(y0) + _raw(y1)


def srs_bytes(k: int, tau: int = DEV_TAU) -> bytes:
    n = 1 << k
    fb = FixedBase()
    powers = [1] * n
    for i in range(1, n):
        powers[i] = powers[i - 1] * tau % R
    omega = root_of_unity(k)
    omegas = [1] * n
    for i in range(1, n):
        omegas[i] = omegas[i - 1] * omega % R
    # L_i(tau) = (tau^n - 1) / n * omega^i / (tau - omega^i), with one batch inversion.
    diffs = [(tau - w) % R for w in omegas]
    prefix = [1] * (n + 1)
    for i, d in enumerate(diffs):
        if d == 0:
            raise ValueError("tau is a root of unity")
        prefix[i + 1] = prefix[i] * d % R
    inv = pow(prefix[-1], R - 2, R)
    inv_diffs = [0] * n
    for i in range(n - 1, -1, -1):
        inv_diffs[i] = inv * prefix[i] % R
        inv = inv * diffs[i] % R
    multiplier = (pow(tau, n, R) - 1) * pow(n, R - 2, R) % R
    lagrange = [multiplier * omegas[i] % R * inv_diffs[i] % R for i in range(n)]
    g = _batch_affine([fb.mul(s) for s in powers])
    g_lagrange = _batch_affine([fb.mul(s) for s in lagrange])
    return k.to_bytes(4, "little") + _g1_bytes(g) + _g1_bytes(g_lagrange) + _g2_bytes(G2) + _g2_bytes(g2_mul(tau))
