"""Synthetic village spreadsheets for import tests and the benchmark (deterministic)."""
from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from coop.registry.imports import COLUMNS
from coop.registry.rules import nik_date_part

FIRST_F = ["Sri", "Siti", "Dewi", "Wahyuni", "Lestari", "Rina", "Sumiati", "Tutik", "Yuli", "Ani", "Nur", "Endang"]
FIRST_M = ["Budi", "Agus", "Bambang", "Slamet", "Joko", "Heru", "Eko", "Imam", "Suyanto", "Wahyu", "Dwi", "Hadi"]
LAST = ["Rahayu", "Santoso", "Wijaya", "Susanti", "Purnomo", "Handayani", "Setiawan", "Kurniawati", "Prasetyo"]


def village_rows(n: int, *, seed: int = 7, village_code: str = "3504042001", serial_base: int = 0) -> list[dict]:
    """``n`` valid resident rows in households of 2-5 people, unique NIKs and KKs."""
    rng = random.Random(seed)
    district = village_code[:6]
    rows: list[dict] = []
    kk_serial = serial_base
    nik_serial = serial_base
    while len(rows) < n:
        kk_serial += 1
        kk = f"{district}{rng.randint(1, 28):02d}{rng.randint(1, 12):02d}{rng.randint(5, 24):02d}{kk_serial % 10000 or 1:04d}"
        rt, rw = f"{rng.randint(1, 8):03d}", f"{rng.randint(1, 4):03d}"
        size = rng.randint(2, 5)
        for i in range(size):
            if len(rows) >= n:
                break
            nik_serial += 1
            if i == 0:
                sex, rel, bd = rng.choice("MF"), "kepala_keluarga", date(1960, 1, 1) + timedelta(days=rng.randint(0, 12000))
            elif i == 1:
                sex, rel, bd = "F", "istri", date(1965, 1, 1) + timedelta(days=rng.randint(0, 12000))
            else:
                sex, rel, bd = rng.choice("MF"), "anak", date(1995, 1, 1) + timedelta(days=rng.randint(0, 9000))
            first = rng.choice(FIRST_F if sex == "F" else FIRST_M)
            rows.append({
                "nik": f"{district}{nik_date_part(bd, sex)}{nik_serial % 10000 or 1:04d}",
                "kk_number": kk, "full_name": f"{first} {rng.choice(LAST)}", "sex": sex, "birth_place": "Tulungagung",
                "birth_date": bd.isoformat(), "village_code": village_code, "address": f"Jl. Pakel {kk_serial}",
                "rt": rt, "rw": rw, "dusun": rng.choice(["Krajan", "Sumberejo", "Ngemplak"]), "phone": "",
                "relationship": rel, "education": rng.choice(["sd", "sltp", "slta", "d3"]), "occupation": "Petani",
                "marital_status": "kawin" if i < 2 else "belum_kawin", "status": "hidup"})
    return rows


def to_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(COLUMNS))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode()


def to_xlsx(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMNS))
    for r in rows:
        ws.append([r.get(c, "") for c in COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
