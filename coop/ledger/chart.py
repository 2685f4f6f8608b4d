"""Chart-of-accounts template for a savings-and-loan cooperative (DOMAIN.md, Accounts and statements).

Codes are stable: product settings and services refer to them. A cooperative's admin can add accounts.
"""
from __future__ import annotations

# code, Indonesian name, English name, type, normal side, is_control
TEMPLATE: list[tuple[str, str, str, str, str, bool]] = [
    ("1101", "Kas", "Cash", "asset", "D", False),
    ("1102", "Bank", "Bank", "asset", "D", False),
    ("1201", "Piutang Pinjaman Anggota", "Member loans receivable", "asset", "D", True),
    ("1202", "Piutang Jasa Pinjaman", "Loan interest receivable", "asset", "D", False),
    ("1209", "Penyisihan Piutang Tak Tertagih", "Loan loss provision (contra)", "asset", "C", False),
    ("1301", "Biaya Dibayar di Muka", "Prepaid expenses", "asset", "D", False),
    ("1501", "Inventaris dan Peralatan", "Equipment", "asset", "D", False),
    ("2101", "Simpanan Sukarela", "Voluntary savings", "liability", "C", True),
    ("2102", "Simpanan Berjangka", "Time deposits", "liability", "C", True),
    ("2103", "Simpanan Pokok (kewajiban, SAK EP)", "Principal savings (liability, SAK EP)", "liability", "C", True),
    ("2104", "Simpanan Wajib (kewajiban, SAK EP)", "Mandatory savings (liability, SAK EP)", "liability", "C", True),
    ("2201", "Dana Pendidikan", "Education fund", "liability", "C", False),
    ("2202", "Dana Sosial", "Social fund", "liability", "C", False),
    ("2203", "Dana Pengurus", "Board fund", "liability", "C", False),
    ("2204", "Dana Karyawan", "Staff fund", "liability", "C", False),
    ("2301", "SHU Bagian Anggota", "Members' share of surplus payable", "liability", "C", False),
    ("2401", "Utang Pajak PPh Final", "Final income tax payable", "liability", "C", False),
    ("2402", "Utang PPh Badan", "Corporate income tax payable", "liability", "C", False),
    ("2501", "Utang Lain-lain", "Other payables", "liability", "C", False),
    ("3101", "Simpanan Pokok", "Principal savings", "equity", "C", True),
    ("3102", "Simpanan Wajib", "Mandatory savings", "equity", "C", True),
    ("3201", "Cadangan", "Reserves", "equity", "C", False),
    ("3301", "SHU Tahun Berjalan", "Current year surplus", "equity", "C", False),
    ("3302", "SHU Belum Dibagi", "Undistributed surplus", "equity", "C", False),
    ("3901", "Saldo Awal", "Opening balance equity", "equity", "C", False),
    ("4101", "Pendapatan Jasa Pinjaman", "Loan interest income", "income", "C", False),
    ("4102", "Pendapatan Provisi dan Administrasi", "Loan fee income", "income", "C", False),
    ("4103", "Pendapatan Denda", "Penalty income", "income", "C", False),
    ("4104", "Pendapatan Pemulihan Piutang", "Recoveries of written-off loans", "income", "C", False),
    ("4201", "Pendapatan Lain-lain", "Other income", "income", "C", False),
    ("5101", "Beban Jasa Simpanan", "Savings interest expense", "expense", "D", False),
    ("5102", "Beban Penyisihan Piutang", "Loan loss provision expense", "expense", "D", False),
    ("5201", "Beban Operasional", "Operating expenses", "expense", "D", False),
    ("5202", "Beban Pelatihan", "Training expenses", "expense", "D", False),
    ("5203", "Beban Gaji dan Honor", "Salaries and fees", "expense", "D", False),
    ("5204", "Selisih Kas", "Cash over and short", "expense", "D", False),
    ("5301", "Beban Pajak Penghasilan (PPh Badan)", "Income tax expense", "expense", "D", False),
]

# Well-known codes used by services.
KAS = "1101"
BANK = "1102"
PIUTANG_PINJAMAN = "1201"
PIUTANG_JASA = "1202"
PENYISIHAN = "1209"
SIMPANAN_SUKARELA = "2101"
SIMPANAN_BERJANGKA = "2102"
SIMPANAN_POKOK_LIAB = "2103"
SIMPANAN_WAJIB_LIAB = "2104"
DANA_PENDIDIKAN = "2201"
DANA_SOSIAL = "2202"
DANA_PENGURUS = "2203"
DANA_KARYAWAN = "2204"
SHU_ANGGOTA = "2301"
UTANG_PPH = "2401"
UTANG_PPH_BADAN = "2402"
SIMPANAN_POKOK = "3101"
SIMPANAN_WAJIB = "3102"
CADANGAN = "3201"
SHU_BERJALAN = "3301"
SHU_BELUM_DIBAGI = "3302"
SALDO_AWAL = "3901"
PENDAPATAN_JASA = "4101"
PENDAPATAN_PROVISI = "4102"
PENDAPATAN_DENDA = "4103"
PENDAPATAN_PEMULIHAN = "4104"
PENDAPATAN_LAIN = "4201"
BEBAN_JASA_SIMPANAN = "5101"
BEBAN_PENYISIHAN = "5102"
BEBAN_OPERASIONAL = "5201"
BEBAN_PELATIHAN = "5202"
SELISIH_KAS = "5204"
BEBAN_PPH_BADAN = "5301"
