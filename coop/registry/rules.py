"""Pure validation of registry data: NIK, KK, Kemendagri region codes and a resident row. No database.

Worked examples (checked by hand; see ``tests/registry/test_rules.py``):

- ``3504044505900001``: Jawa Timur (35), Kab. Tulungagung (04), Kec. Ngantru (04), born ``45``-05-90, so a
  woman (45 - 40 = day 5) born 5 May 1990, serial 0001. With sex ``M`` on the row it is refused.
- ``3504040505900002``: the same date for a man (day 05).
- ``0350404200100017``: a temporary NIK (``0`` + village ``3504042001`` + serial ``00017``), accepted and
  flagged ``is_temporary``; its birth date and sex cannot be checked.
- ``3504041203150003`` is a KK: district 350404, issued 12-03-2015, serial 0003.
- A NIK whose first six digits are no district of the 2025 table (e.g. a code from before a split) gets a
  warning, not an error.

Messages are written in Indonesian and English side by side (``msg(id, en)``); the reader gets the one of
the page's (or API client's) language.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from coop.text import N_, one_language

#: The 38 province codes of the 2025 Kemendagri table.
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
    "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82",
    "91", "92", "93", "94", "95", "96"})




SEXES = ("M", "F")
RESIDENT_STATUSES = ("hidup", "mati", "pindah", "hilang", "pergi")
PMI_STATUSES = ("calon", "aktif", "purna", "keluarga", "none")
MIGRATION_STATUSES = ("calon", "aktif", "purna")
#: Status hubungan dalam keluarga (SHDK), the relationship to the head of the family on the KK.
RELATIONSHIPS = ("kepala_keluarga", "suami", "istri", "anak", "menantu", "cucu", "orang_tua", "mertua",
                 "famili_lain", "pembantu", "lainnya")
RELATIONSHIP_LABELS = {"kepala_keluarga": N_("Kepala Keluarga"), "suami": N_("Suami"), "istri": N_("Istri"), "anak": N_("Anak"),
                       "menantu": N_("Menantu"), "cucu": N_("Cucu"), "orang_tua": N_("Orang Tua"), "mertua": N_("Mertua"),
                       "famili_lain": N_("Famili Lain"), "pembantu": N_("Pembantu"), "lainnya": N_("Lainnya")}
#: Education levels as printed on the KK.
EDUCATION = ("tidak_sekolah", "belum_tamat_sd", "sd", "sltp", "slta", "d1_d2", "d3", "d4_s1", "s2", "s3")
EDUCATION_LABELS = {"tidak_sekolah": N_("Tidak/Belum Sekolah"), "belum_tamat_sd": N_("Belum Tamat SD"), "sd": N_("SD"),
                    "sltp": N_("SLTP"), "slta": N_("SLTA"), "d1_d2": N_("Diploma I/II"), "d3": N_("Diploma III"),
                    "d4_s1": N_("Diploma IV/S1"), "s2": N_("S2"), "s3": N_("S3")}
MARITAL_STATUSES = ("belum_kawin", "kawin", "cerai_hidup", "cerai_mati")
MARITAL_LABELS = {"belum_kawin": N_("Belum Kawin"), "kawin": N_("Kawin"), "cerai_hidup": N_("Cerai Hidup"),
                  "cerai_mati": N_("Cerai Mati")}
#: Migration record vocabularies (UU 18/2017).
JOB_TYPES = ("badan_hukum", "perseorangan", "awak_kapal")
JOB_TYPE_LABELS = {"badan_hukum": N_("Pemberi kerja berbadan hukum"), "perseorangan": N_("Pemberi kerja perseorangan"),
                   "awak_kapal": N_("Awak kapal niaga/perikanan")}
SCHEMES = ("G2G", "G2P", "P2P", "ICT", "mandiri")
COUNTRY_NAMES = {"HK": N_("Hong Kong"), "TW": N_("Taiwan"), "MY": N_("Malaysia"), "SA": N_("Arab Saudi"), "KR": N_("Korea Selatan"),
                 "JP": N_("Jepang"), "SG": N_("Singapura"), "AE": N_("Uni Emirat Arab"), "QA": N_("Qatar"), "KW": N_("Kuwait"),
                 "OM": N_("Oman"), "BN": N_("Brunei"), "TR": N_("Turki"), "PL": N_("Polandia"), "AU": N_("Australia"),
                 "NZ": N_("Selandia Baru"), "DE": N_("Jerman"), "US": N_("Amerika Serikat"), "CN": N_("Tiongkok"), "MO": N_("Makau")}
#: Codes shared with the migration service desk (coop/desk/rules.py DOCUMENT_CODES) where they overlap.
DOCUMENTS = ("marital_status_letter", "family_permission", "health", "competence", "passport", "work_visa",
             "placement_agreement", "work_contract", "bpjs")
DOCUMENT_LABELS = {"marital_status_letter": N_("Surat keterangan status perkawinan"),
                   "family_permission": N_("Izin suami/istri/orang tua diketahui kepala desa"),
                   "health": N_("Surat sehat"), "competence": N_("Sertifikat kompetensi"), "passport": N_("Paspor"),
                   "work_visa": N_("Visa kerja"), "placement_agreement": N_("Perjanjian penempatan"),
                   "work_contract": N_("Perjanjian kerja"), "bpjs": N_("Kepesertaan BPJS")}


def msg(indonesian: str, english: str) -> str:
    """The message in the reader's language (:func:`coop.text.one_language`)."""
    return one_language(indonesian, english)


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------
# Region codes
# --------------------------------------------------------------------------------------------

def district_structure_errors(code6: str) -> list[str]:
    """Structure of a 6-digit ``PPKKCC`` district code (as in a NIK or KK)."""
    if code6[:2] not in PROVINCES:
        return [msg(f"kode provinsi {code6[:2]} tidak dikenal", f"unknown province code {code6[:2]}")]
    if code6[2:4] == "00" or code6[2:4] == "70":
        return [msg(f"kode kabupaten/kota {code6[2:4]} tidak valid", f"invalid regency code {code6[2:4]}")]
    if code6[4:6] == "00":
        return [msg("kode kecamatan 00 tidak valid", "district code 00 is invalid")]
    return []


def check_village_code(code: str | None, known: Callable[[str], bool] | None = None) -> list[str]:
    """Errors of a 10-digit village code ``PPKKCCDDDD`` (``[]`` when valid).

    Regency 01-69 is a kabupaten, 71-99 a kota; the village part starts with 1 (kelurahan) or 2 (desa).
    ``known`` (e.g. :func:`coop.registry.regions.is_village`) additionally requires it in the 2025 table.
    """
    code = (code or "").replace(".", "").strip()
    if len(code) != 10 or not _digits(code):
        return [msg("kode desa harus 10 digit", "village code must be 10 digits")]
    errs = district_structure_errors(code[:6])
    if errs:
        return errs
    if code[6] not in "12":
        return [msg("kode desa harus diawali 1 (kelurahan) atau 2 (desa)",
                    "village part must start with 1 (kelurahan) or 2 (desa)")]
    if known is not None and not known(code):
        return [msg(f"kode desa {code} tidak ada dalam tabel Kemendagri 2025",
                    f"village code {code} is not in the 2025 Kemendagri table")]
    return []


# --------------------------------------------------------------------------------------------
# NIK
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NikInfo:
    """What a NIK says. For a temporary NIK only ``village_code`` and ``serial`` are known."""

    nik: str
    is_temporary: bool
    district_code: str | None = None
    village_code: str | None = None
    sex: str | None = None
    day: int | None = None
    month: int | None = None
    year2: int | None = None
    serial: str = ""

    def birth_date(self, reference: date) -> date | None:
        """Birth date, reading ``YY`` as the latest year not after ``reference`` (no one is born later)."""
        if self.is_temporary or self.day is None:
            return None
        year = 2000 + self.year2 if 2000 + self.year2 <= reference.year else 1900 + self.year2
        return _date_or_none(year, self.month, self.day)


@dataclass
class Check:
    """Result of a validation: field -> messages, non-blocking warnings, and what was parsed."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    info: NikInfo | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, fld: str, message: str) -> None:
        self.errors.setdefault(fld, []).append(message)


def parse_nik(nik: str) -> tuple[NikInfo | None, list[str]]:
    """Structure of a NIK alone: ``(info, errors)``. See the module docstring for examples."""
    nik = (nik or "").strip()
    if not _digits(nik):
        return None, [msg("NIK hanya boleh berisi angka", "NIK must contain digits only")]
    if len(nik) != 16:
        return None, [msg(f"NIK harus 16 digit (ada {len(nik)})", f"NIK must be 16 digits (got {len(nik)})")]
    if nik[0] == "0":
        village = nik[1:11]
        errs = check_village_code(village)
        if errs:
            return None, [msg("NIK sementara: 0 + kode desa 10 digit + nomor urut 5 digit",
                              "temporary NIK: 0 + 10-digit village code + 5-digit serial")] + errs
        if nik[11:] == "00000":
            return None, [msg("nomor urut NIK sementara tidak boleh 00000", "temporary NIK serial cannot be 00000")]
        return NikInfo(nik=nik, is_temporary=True, village_code=village, serial=nik[11:]), []
    errs = district_structure_errors(nik[:6])
    if errs:
        return None, errs
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "F" if dd > 40 else "M"
    day = dd - 40 if dd > 40 else dd
    if not 1 <= mm <= 12 or not 1 <= day <= 31:
        return None, [msg(f"tanggal lahir di NIK ({nik[6:12]}) tidak valid", f"birth date in NIK ({nik[6:12]}) is invalid")]
    # Valid in at least one century (29 Feb: 2000 is a leap year, 1900 is not).
    if _date_or_none(1900 + yy, mm, day) is None and _date_or_none(2000 + yy, mm, day) is None:
        return None, [msg(f"tanggal lahir di NIK ({nik[6:12]}) tidak valid", f"birth date in NIK ({nik[6:12]}) is invalid")]
    if nik[12:] == "0000":
        return None, [msg("nomor urut NIK tidak boleh 0000", "NIK serial cannot be 0000")]
    return NikInfo(nik=nik, is_temporary=False, district_code=nik[:6], sex=sex, day=day, month=mm, year2=yy,
                   serial=nik[12:]), []


def nik_date_part(birth_date: date, sex: str) -> str:
    """The ``DDMMYY`` a NIK must carry for this birth date and sex (day + 40 for women)."""
    return f"{birth_date.day + (40 if sex == 'F' else 0):02d}{birth_date.month:02d}{birth_date.year % 100:02d}"


def check_nik(nik: str | None, *, sex: str | None = None, birth_date: date | None = None,
              known_district: Callable[[str], bool] | None = None) -> Check:
    """Validate a NIK against the row's sex and birth date. Errors go to the ``nik`` field.

    A temporary NIK is accepted (``info.is_temporary``). A district missing from the 2025 table is a warning
    (old codes from before a split still appear in NIKs issued earlier).
    """
    out = Check()
    info, errs = parse_nik(nik or "")
    for e in errs:
        out.add("nik", e)
    if info is None:
        return out
    out.info = info
    if info.is_temporary:
        out.warnings.append(msg("NIK sementara: perlu diganti NIK tetap dari Dukcapil",
                                "temporary NIK: replace it with the permanent one from Dukcapil"))
        return out
    if sex in SEXES and info.sex != sex:
        out.add("nik", msg(
            "jenis kelamin tidak cocok dengan NIK (tanggal lahir perempuan ditambah 40)",
            "sex does not match the NIK (women's birth day is increased by 40)"))
    if birth_date is not None:
        if (info.day, info.month, info.year2) != (birth_date.day, birth_date.month, birth_date.year % 100):
            out.add("nik", msg(
                f"tanggal lahir {birth_date:%d-%m-%Y} tidak cocok dengan NIK ({nik[6:12]})",
                f"birth date {birth_date:%Y-%m-%d} does not match the NIK ({nik[6:12]})"))
    if known_district is not None and not known_district(info.district_code):
        out.warnings.append(msg(
            f"kode kecamatan {info.district_code} di NIK tidak ada di tabel 2025 (mungkin kode lama)",
            f"district {info.district_code} of the NIK is not in the 2025 table (maybe an old code)"))
    return out


# --------------------------------------------------------------------------------------------
# KK
# --------------------------------------------------------------------------------------------

def check_kk(kk: str | None, known_district: Callable[[str], bool] | None = None) -> Check:
    """Validate a KK number ``PPKKCC DDMMYY SSSS`` (region, issue date, serial). Errors go to ``kk_number``."""
    out = Check()
    kk = (kk or "").strip()
    if not _digits(kk):
        out.add("kk_number", msg("nomor KK hanya boleh berisi angka", "KK number must contain digits only"))
        return out
    if len(kk) != 16:
        out.add("kk_number", msg(f"nomor KK harus 16 digit (ada {len(kk)})", f"KK number must be 16 digits (got {len(kk)})"))
        return out
    for e in district_structure_errors(kk[:6]):
        out.add("kk_number", e)
    dd, mm, yy = int(kk[6:8]), int(kk[8:10]), int(kk[10:12])
    if _date_or_none(1900 + yy, mm, dd) is None and _date_or_none(2000 + yy, mm, dd) is None:
        out.add("kk_number", msg(f"tanggal di nomor KK ({kk[6:12]}) tidak valid", f"date in KK number ({kk[6:12]}) is invalid"))
    if kk[12:] == "0000":
        out.add("kk_number", msg("nomor urut KK tidak boleh 0000", "KK serial cannot be 0000"))
    if out.ok and known_district is not None and not known_district(kk[:6]):
        out.warnings.append(msg(f"kode kecamatan {kk[:6]} di KK tidak ada di tabel 2025",
                                f"district {kk[:6]} of the KK is not in the 2025 table"))
    return out


# --------------------------------------------------------------------------------------------
# A resident row (form, API body or import row)
# --------------------------------------------------------------------------------------------

_PHONE = re.compile(r"^\+?[0-9]{6,15}$")
_RT = re.compile(r"^[0-9]{1,3}$")


def normalise_choice(value, choices: tuple[str, ...]) -> str | None:
    """``"Kepala Keluarga"`` -> ``"kepala_keluarga"``; ``None`` if not one of ``choices``."""
    if value is None:
        return None
    return _choice(str(value), choices)


_SEPARATORS = re.compile(r"[\s/\-]+")


@functools.lru_cache(maxsize=4096)
def _choice(value: str, choices: tuple[str, ...]) -> str | None:
    """:func:`normalise_choice` of a text, remembered (an import asks the same few values on every row)."""
    key = _SEPARATORS.sub("_", value.strip().lower())
    for c in choices:
        if c.lower() == key:
            return c
    return None


_SEX_WORDS = {"M": "M", "L": "M", "LAKI-LAKI": "M", "LAKI LAKI": "M", "F": "F", "P": "F", "PEREMPUAN": "F"}


def normalise_sex(value) -> str | None:
    return _SEX_WORDS.get(str(value or "").strip().upper())


REQUIRED = ("nik", "kk_number", "full_name", "sex", "birth_place", "birth_date", "village_code")
OPTIONAL = ("address", "rt", "rw", "dusun", "phone", "relationship", "education", "occupation",
            "marital_status", "status")


def validate_resident(data: dict, *, today: date, known_village: Callable[[str], bool] | None = None,  # noqa: C901, PLR0915 -- one branch per field rule of DOMAIN.md
                      known_district: Callable[[str], bool] | None = None) -> tuple[dict, Check]:
    """Clean and check one resident row. ``data`` values are strings (import, form) or typed (API).

    Returns ``(clean, check)``: ``clean`` has typed, normalised values for the fields that were valid;
    ``check.errors`` maps field -> messages. ``birth_date`` may be a ``date`` or ``YYYY-MM-DD`` /
    ``DD-MM-YYYY`` text.
    """
    out = Check()
    clean: dict = {}

    def text(name: str, maxlen: int) -> str | None:
        v = data.get(name)
        if v is None:
            return None
        v = str(v).strip()
        if _CONTROL_CHARS.search(v) is not None:  # has_control_chars, without the call
            out.add(name, msg("berisi karakter kontrol yang tidak sah", "contains invalid control characters"))
            return None
        if len(v) > maxlen:
            out.add(name, msg(f"maksimal {maxlen} karakter", f"at most {maxlen} characters"))
        return v or None

    for name in REQUIRED:
        if data.get(name) in (None, ""):
            out.add(name, msg("wajib diisi", "required"))

    full_name = text("full_name", 200)
    if full_name:
        clean["full_name"] = " ".join(full_name.split())
    birth_place = text("birth_place", 100)
    if birth_place:
        clean["birth_place"] = birth_place
    for name, maxlen in (("address", 300), ("dusun", 100), ("occupation", 100)):
        if data.get(name) is not None:
            clean[name] = text(name, maxlen)

    sex = None
    if data.get("sex") not in (None, ""):
        sex = normalise_sex(data["sex"])
        if sex is None:
            out.add("sex", msg("jenis kelamin harus M atau F", "sex must be M or F"))
        else:
            clean["sex"] = sex

    birth_date = None
    raw_bd = data.get("birth_date")
    if isinstance(raw_bd, date):
        birth_date = raw_bd
    elif raw_bd not in (None, ""):
        birth_date = parse_date(str(raw_bd))
        if birth_date is None:
            out.add("birth_date", msg("tanggal lahir tidak valid (YYYY-MM-DD)", "invalid birth date (YYYY-MM-DD)"))
    if birth_date is not None:
        if birth_date > today:
            out.add("birth_date", msg("tanggal lahir di masa depan", "birth date is in the future"))
            birth_date = None
        elif birth_date.year < 1900:
            out.add("birth_date", msg("tanggal lahir sebelum 1900", "birth date before 1900"))
            birth_date = None
        else:
            clean["birth_date"] = birth_date

    if data.get("nik") not in (None, ""):
        nik = str(data["nik"]).strip()
        nik_check = check_nik(nik, sex=sex, birth_date=birth_date, known_district=known_district)
        for f, msgs in nik_check.errors.items():
            out.errors.setdefault(f, []).extend(msgs)
        out.warnings.extend(nik_check.warnings)
        out.info = nik_check.info
        if nik_check.ok:
            clean["nik"] = nik
            clean["is_temporary_nik"] = nik_check.info.is_temporary

    if data.get("kk_number") not in (None, ""):
        kk = str(data["kk_number"]).strip()
        if _kk_is_clean(kk, known_district):  # the members of a family share their KK: checked once
            clean["kk_number"] = kk
        else:
            kk_check = check_kk(kk, known_district=known_district)
            for f, msgs in kk_check.errors.items():
                out.errors.setdefault(f, []).extend(msgs)
            out.warnings.extend(kk_check.warnings)
            if kk_check.ok:
                clean["kk_number"] = kk

    if data.get("village_code") not in (None, ""):
        vc = str(data["village_code"]).replace(".", "").strip()
        errs = [] if _village_is_clean(vc, known_village) else check_village_code(vc, known_village)
        for e in errs:
            out.add("village_code", e)
        if not errs:
            clean["village_code"] = vc

    for name in ("rt", "rw"):
        v = data.get(name)
        if v not in (None, ""):
            v = str(v).strip()
            if not _RT.match(v):
                out.add(name, msg(f"{name.upper()} harus angka 1-3 digit", f"{name.upper()} must be 1-3 digits"))
            else:
                clean[name] = v.zfill(3)
        elif name in data:
            clean[name] = None

    phone = data.get("phone")
    if phone not in (None, ""):
        p = re.sub(r"[\s\-.()]", "", str(phone))
        if not _PHONE.match(p):
            out.add("phone", msg("nomor telepon tidak valid", "invalid phone number"))
        else:
            clean["phone"] = p
    elif "phone" in data:
        clean["phone"] = None

    for name, choices, default in (("relationship", RELATIONSHIPS, None), ("education", EDUCATION, None),
                                   ("marital_status", MARITAL_STATUSES, None), ("status", RESIDENT_STATUSES, None)):
        v = data.get(name)
        if v not in (None, ""):
            c = normalise_choice(v, choices)
            if c is None:
                out.add(name, msg(f"harus salah satu dari: {', '.join(choices)}", f"must be one of: {', '.join(choices)}"))
            else:
                clean[name] = c
        elif name in data:
            clean[name] = default
    return clean, out


@functools.lru_cache(maxsize=4096)
def _kk_is_clean(kk: str, known_district: Callable[[str], bool] | None) -> bool:
    """:func:`check_kk` finds neither an error nor a warning (remembered: only the verdict, never a message,
    which is in the reader's language)."""
    check = check_kk(kk, known_district=known_district)
    return check.ok and not check.warnings


@functools.lru_cache(maxsize=1024)
def _village_is_clean(code: str, known: Callable[[str], bool] | None) -> bool:
    """:func:`check_village_code` finds no error (remembered like :func:`_kk_is_clean`)."""
    return not check_village_code(code, known)


def has_control_chars(text: str) -> bool:
    """NUL and other C0 control characters (tab excepted) have no place in registry text; PostgreSQL
    refuses NUL outright."""
    return _CONTROL_CHARS.search(text) is not None


#: C0 controls but tab (one regex search instead of a Python loop per character: imports check every cell)
_CONTROL_CHARS = re.compile("[\x00-\x08\x0a-\x1f]")


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def parse_date(text: str) -> date | None:
    """``2026-11-27``, ``27-11-2026`` or ``27/11/2026`` -> a date; ``None`` if not a date."""
    text = text.strip()
    if " " in text:  # "1990-05-05 00:00:00" from a spreadsheet
        text = text.split(" ")[0]
    m = _ISO_DATE.match(text)
    if m:
        return _date_or_none(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY_DATE.match(text)
    if m:
        return _date_or_none(int(m[3]), int(m[2]), int(m[1]))
    return None


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day`` (someone born 29 Feb turns a year older on 1 Mar in common years)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def derive_pmi_status(own: dict[int, str | None], households: dict[int, int | None]) -> dict[int, str]:
    """PMI status of every resident given each one's own migration status and household.

    :param own: resident id -> status of the resident's latest migration record (or ``None``).
    :param households: resident id -> household id.
    A resident with a record takes its status; otherwise ``keluarga`` if someone in the same household
    has a record (calon, aktif or purna); otherwise ``none``.
    """
    pmi_households = {households.get(rid) for rid, s in own.items() if s} - {None}
    out = {}
    for rid in own:
        if own[rid]:
            out[rid] = own[rid]
        elif households.get(rid) in pmi_households:
            out[rid] = "keluarga"
        else:
            out[rid] = "none"
    return out
