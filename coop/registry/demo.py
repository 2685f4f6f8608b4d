"""Demo village: Desa Pakel (3504042001), Kec. Ngantru, Kabupaten Tulungagung, a PMI pocket.

About 330 households and 1,150 residents with valid NIKs and KKs, and about 190 migration records to
Hong Kong, Taiwan, Malaysia, Saudi Arabia, South Korea, Japan and Singapore (purna, aktif, calon) whose
household members become keluarga PMI. Deterministic through ``ctx.rng``, dated relative to ``ctx.today``,
written through the bulk import service and :func:`services.add_migration_records` (two units of work).

Stores for later steps: ``ctx.data["resident_ids"]`` (living adults), ``["purna_ids"]``, ``["keluarga_ids"]``,
``["pmi_ids"]`` (calon/aktif/purna) and ``["sri_wahyuni_id"]`` (a woman, PMI purna back from Hong Kong).
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from coop.db import atomic, db
from coop.registry import imports, rules, services
from coop.registry.models import Resident

HOUSEHOLDS = 330
FIRST_F = ["Sri", "Siti", "Dewi", "Wahyuni", "Lestari", "Rina", "Sumiati", "Tutik", "Yuli", "Ani", "Nur",
           "Endang", "Sulastri", "Puji", "Eni", "Suprapti", "Ika", "Rahayu", "Wiwik", "Musrifah", "Lilik", "Umi"]
FIRST_M = ["Budi", "Agus", "Bambang", "Slamet", "Joko", "Heru", "Eko", "Imam", "Suyanto", "Wahyu", "Dwi",
           "Hadi", "Sugeng", "Mulyono", "Priyo", "Teguh", "Rudi", "Yanto", "Gunawan", "Supriyadi", "Kusnadi"]
LAST = ["Rahayu", "Santoso", "Wijaya", "Susanti", "Purnomo", "Handayani", "Setiawan", "Kurniawati", "Prasetyo",
        "Wulandari", "Hidayat", "Saputra", "Anggraini", "Nugroho", "Maryani", "Susilo", "Fitriani"]
DUSUN = [("Krajan", "001"), ("Sumberejo", "002"), ("Ngemplak", "003"), ("Kedungsari", "004")]
#: Destination weights (Tulungagung sends most to Hong Kong and Taiwan).
COUNTRIES = [("HK", 28), ("TW", 26), ("MY", 14), ("SA", 8), ("KR", 10), ("JP", 8), ("SG", 6)]
SECTORS = {"perseorangan": ["Penata laksana rumah tangga", "Perawat lansia"],
           "badan_hukum": ["Manufaktur", "Perkebunan", "Konstruksi", "Perhotelan"],
           "awak_kapal": ["Perikanan"]}
AGENCIES = ["PT Bina Tenaga Mandiri", "PT Sukses Karya Abadi", "PT Duta Migran Sejahtera", None]
RETURN_REASONS = ["Kontrak selesai", "Kontrak selesai", "Keluarga", "Sakit", "Pemutusan kerja"]


def _pick_country(rng) -> str:
    total = sum(w for _, w in COUNTRIES)
    x = rng.randrange(total)
    for code, w in COUNTRIES:
        if x < w:
            return code
        x -= w
    return "HK"


def _rows(ctx) -> list[dict]:
    rng, today = ctx.rng, ctx.today
    village = ctx.cooperative.village_code
    district = village[:6]
    rows: list[dict] = []
    nik_serial = 0
    for h in range(1, HOUSEHOLDS + 1):
        issued = today - timedelta(days=rng.randint(200, 5000))
        kk = f"{district}{issued:%d%m%y}{h:04d}"
        dusun, rw = DUSUN[h % len(DUSUN)]
        rt = f"{rng.randint(1, 5):03d}"
        address = f"Jl. {dusun} No. {rng.randint(1, 120)}"
        last = rng.choice(LAST)
        members = []
        if h == 1:  # Sri Wahyuni: head of her family, PMI purna from Hong Kong
            members.append(("F", "kepala_keluarga", date(today.year - 41, 8, 17), "Sri Wahyuni", "cerai_hidup"))
            members.append(("M", "anak", date(today.year - 19, 3, 2), "Andi Pratama", "belum_kawin"))
            members.append(("F", "orang_tua", date(today.year - 66, 1, 9), "Painah", "cerai_mati"))
        else:
            head_sex = "M" if rng.random() < 0.8 else "F"
            head_bd = today - timedelta(days=rng.randint(26 * 365, 65 * 365))
            members.append((head_sex, "kepala_keluarga", head_bd,
                            f"{rng.choice(FIRST_M if head_sex == 'M' else FIRST_F)} {last}", "kawin"))
            if head_sex == "M":
                members.append(("F", "istri", head_bd + timedelta(days=rng.randint(0, 8 * 365)),
                                f"{rng.choice(FIRST_F)} {rng.choice(LAST)}", "kawin"))
            for _ in range(rng.choice([0, 1, 1, 2, 2, 2, 3])):
                sex = rng.choice("MF")
                bd = min(today - timedelta(days=365), head_bd + timedelta(days=rng.randint(20 * 365, 32 * 365)))
                members.append((sex, "anak", bd, f"{rng.choice(FIRST_M if sex == 'M' else FIRST_F)} {last}",
                                "belum_kawin" if (today - bd).days < 22 * 365 else rng.choice(["kawin", "belum_kawin"])))
            if rng.random() < 0.12:
                members.append(("F", "orang_tua", head_bd - timedelta(days=rng.randint(22 * 365, 30 * 365)),
                                f"{rng.choice(FIRST_F)} {last}", "cerai_mati"))
        for sex, rel, bd, name, marital in members:
            nik_serial += 1
            age = rules.age_on(bd, today)
            rows.append({
                "nik": f"{district}{rules.nik_date_part(bd, sex)}{nik_serial:04d}", "kk_number": kk,
                "full_name": name, "sex": sex, "birth_place": rng.choice(["Tulungagung", "Tulungagung", "Blitar", "Kediri"]),
                "birth_date": bd.isoformat(), "village_code": village, "address": address, "rt": rt, "rw": rw,
                "dusun": dusun, "phone": f"08{rng.randint(11, 99)}{rng.randint(10000000, 99999999)}" if age >= 17 else "",
                "relationship": rel,
                "education": rng.choice(["sd", "sltp", "slta", "slta", "d3", "d4_s1"]) if age >= 18 else
                ("sd" if age >= 7 else "tidak_sekolah"),
                "occupation": rng.choice(["Petani", "Buruh tani", "Wiraswasta", "Pedagang", "Mengurus rumah tangga"])
                if age >= 18 else "Pelajar",
                "marital_status": marital, "status": "hidup" if rng.random() > 0.01 or h == 1 else "pindah"})
    return rows


def _record(ctx, status: str, country: str, *, returned_years_ago: int | None = None) -> dict:
    rng, today = ctx.rng, ctx.today
    job_type = "perseorangan" if country in ("HK", "TW", "SA", "SG") and rng.random() < 0.85 else \
        rng.choice(["badan_hukum", "badan_hukum", "awak_kapal"])
    data = {"status": status, "country": country, "job_type": job_type, "sector": rng.choice(SECTORS[job_type]),
            "scheme": "G2G" if country in ("KR", "JP") and rng.random() < 0.6 else rng.choice(["P2P", "P2P", "mandiri"]),
            "procedural": rng.random() > 0.12, "agency": rng.choice(AGENCIES),
            "passport_number": f"C{rng.randint(1000000, 9999999)}",
            # the marital-status letter travels with the family permission (and draws no number of its own,
            # so the rest of the demo is the same as before the desk added that code)
            "documents": [d for d in rules.DOCUMENTS if d != "marital_status_letter" and rng.random() < 0.85]}
    if "family_permission" in data["documents"]:
        data["documents"].insert(0, "marital_status_letter")
    if status == "calon":
        data["passport_expiry"] = today + timedelta(days=rng.randint(400, 1800))
        return data
    if status == "aktif":
        dep = today - timedelta(days=rng.randint(60, 1400))
    else:
        ret = today - timedelta(days=365 * (returned_years_ago or rng.randint(0, 8)) + rng.randint(10, 300))
        dep = ret - timedelta(days=rng.randint(700, 2200))
        data.update(return_date=ret, return_reason=rng.choice(RETURN_REASONS))
    data.update(departure_date=dep, contract_start_date=dep + timedelta(days=rng.randint(3, 20)),
                contract_end_date=dep + timedelta(days=730), passport_expiry=dep + timedelta(days=1825),
                monthly_remittance=rng.randrange(2_000_000, 9_000_001, 100_000))
    return data


def load(ctx) -> None:
    coop_id = ctx.cooperative.id
    rows = _rows(ctx)
    header = list(imports.COLUMNS)
    report = atomic(imports.run_import, coop_id, header, [[r.get(c, "") for c in header] for r in rows],
                    actor=None, dry_run=False, as_of=ctx.today, source="demo")
    if report.errors:  # pragma: no cover - the generator makes valid rows
        raise RuntimeError(f"demo registry rows invalid: {report.errors[:3]}")

    people = db.session.execute(sa.select(Resident.id, Resident.nik, Resident.sex, Resident.birth_date,
                                          Resident.household_id, Resident.status, Resident.relationship)
                                .where(Resident.cooperative_id == coop_id).order_by(Resident.id)).all()
    by_nik = {p.nik: p for p in people}
    sri = by_nik[rows[0]["nik"]]
    rng = ctx.rng
    adults = [p for p in people if p.status == "hidup" and 20 <= rules.age_on(p.birth_date, ctx.today) <= 50
              and p.id != sri.id and p.relationship != "orang_tua"]
    # Migrant workers from Tulungagung are mostly women: weight the draw.
    women = [p for p in adults if p.sex == "F"]
    men = [p for p in adults if p.sex == "M"]
    chosen = rng.sample(women, min(len(women), 125)) + rng.sample(men, min(len(men), 50))
    items: list[tuple[int, dict]] = [
        (sri.id, _record(ctx, "purna", "HK", returned_years_ago=3) | {"country": "HK", "job_type": "perseorangan",
                                                                       "sector": "Penata laksana rumah tangga"})]
    for p in chosen:
        x = rng.random()
        status = "purna" if x < 0.45 else "aktif" if x < 0.8 else "calon"
        if status != "calon" and rng.random() < 0.15:  # an earlier contract, back home since
            items.append((p.id, _record(ctx, "purna", _pick_country(rng), returned_years_ago=rng.randint(6, 12))))
        items.append((p.id, _record(ctx, status, _pick_country(rng))))
    atomic(services.add_migration_records, coop_id, items, actor=None)

    status_of = dict(db.session.execute(sa.select(Resident.id, Resident.pmi_status)
                                        .where(Resident.cooperative_id == coop_id)).all())
    living_adults = [p.id for p in people if p.status == "hidup" and rules.age_on(p.birth_date, ctx.today) >= 18]
    ctx.data["resident_ids"] = living_adults
    ctx.data["purna_ids"] = [p.id for p in people if status_of[p.id] == "purna"]
    ctx.data["keluarga_ids"] = [p.id for p in people if status_of[p.id] == "keluarga"]
    ctx.data["pmi_ids"] = [p.id for p in people if status_of[p.id] in ("calon", "aktif", "purna")]
    ctx.data["sri_wahyuni_id"] = sri.id
    ctx.echo(f"    {len(people)} penduduk, {HOUSEHOLDS} KK, {len(items)} catatan migrasi")
