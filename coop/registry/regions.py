"""Kemendagri region codes (provinces, regencies, districts, villages), read lazily from the packaged
``coop/data/wilayah.csv.gz`` on the first lookup and kept for the life of the process.

Codes are handled as digit strings without dots: ``35`` province, ``3504`` regency, ``350404`` district,
``3504042001`` village. See ``coop/data/README.md`` for the source and licence.
"""
from __future__ import annotations

import csv
import gzip
import io
import threading
from dataclasses import dataclass
from importlib import resources

_lock = threading.Lock()
_names: dict[str, str] | None = None


def _table() -> dict[str, str]:
    global _names
    if _names is None:
        with _lock:
            if _names is None:
                raw = resources.files("coop").joinpath("data/wilayah.csv.gz").read_bytes()
                text = gzip.decompress(raw).decode("utf-8")
                names: dict[str, str] = {}
                reader = csv.reader(io.StringIO(text))
                next(reader)  # header: kode,nama
                for code, name in reader:
                    names[code.replace(".", "")] = name
                _names = names
    return _names


def name_of(code: str) -> str | None:
    """Name of a province (2 digits), regency (4), district (6) or village (10); ``None`` if unknown."""
    return _table().get(code)


def is_district(code6: str) -> bool:
    return len(code6) == 6 and code6 in _table()


def is_village(code10: str) -> bool:
    return len(code10) == 10 and code10 in _table()


@dataclass(frozen=True)
class VillageNames:
    code: str
    village: str
    district: str
    regency: str
    province: str

    @property
    def is_kelurahan(self) -> bool:
        """First digit of the village part: 1 = kelurahan (urban), 2 = desa."""
        return self.code[6] == "1"


def village(code10: str) -> VillageNames | None:
    """Names of a 10-digit village code and of its district, regency and province."""
    t = _table()
    if len(code10) != 10 or code10 not in t:
        return None
    return VillageNames(code=code10, village=t[code10], district=t.get(code10[:6], ""),
                        regency=t.get(code10[:4], ""), province=t.get(code10[:2], ""))


def villages_of_district(code6: str) -> list[VillageNames]:
    """Every village of a district, in code order (for pickers)."""
    t = _table()
    return [v for c in sorted(k for k in t if len(k) == 10 and k.startswith(code6)) if (v := village(c))]
