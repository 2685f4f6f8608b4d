"""Write coop/data/common-passwords.txt: passwords that are refused (a packaged list, no network).

The base words are the best-known entries of public breach lists (RockYou, the "top 100" lists of
NCSC and SplashData) plus Indonesian favourites; the variants are the usual decorations (digits,
years, a capital, a '!'), so the list has a few thousand lines. Rerun after editing the words.
"""
from __future__ import annotations

from pathlib import Path

TOP = """123456 123456789 12345678 password qwerty 12345 1234567890 1234567 111111 123123 abc123
password1 1234 iloveyou 1q2w3e4r 000000 qwerty123 zaq12wsx dragon sunshine princess letmein 654321
monkey 27653 1qaz2wsx 123321 qwertyuiop superman asdfghjkl football baseball welcome login admin
master hello freedom whatever qazwsx trustno1 passw0rd starwars 121212 ashley bailey shadow michael
jennifer charlie donald aa123456 qwerty1 987654321 666666 7777777 88888888 1111111111 0987654321
1qazxsw2 q1w2e3r4t5 1q2w3e4r5t 1q2w3e4r5t6y qwe123 asd123 zxcvbnm asdfgh 112233 123654 159753
147258369 987654 55555 999999 555555 11111111 22222222 12341234 123qwe 1234qwer qwer1234 p@ssw0rd
p@ssword pa55word password123 password1234 passwordpassword administrator adminadmin rootroot
changeme changeme123 default guest test test123 testing secret secret123 letmein123 welcome123
welcome1 iloveyou1 princess1 sunshine1 football1 baseball1 computer internet samsung nokia
bismillah sayang sayangku cintaku aku cinta indonesia jakarta surabaya bandung garuda merdeka
rahasia rahasia123 koperasi desa warga anggota bendahara petugas manajer auditor kasir uang
""".split()

WORDS = """password passw0rd p@ssw0rd qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm iloveyou admin
administrator welcome letmein monkey dragon master sunshine princess football baseball shadow
superman batman trustno1 freedom whatever starwars computer internet samsung michael jennifer
charlie secret changeme default guest login hello sayang sayangku cintaku cinta indonesia jakarta
surabaya bandung medan semarang makassar garuda merdeka rahasia koperasi desmigratif migran desa
warga anggota bendahara petugas manajer auditor kasir bismillah alhamdulillah insyaallah
tkipahlawan pahlawan keluarga bapak ibu anakku rumahku sukses berkah rezeki selamat """.split()

SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789",
            "!", "1!", "123!", "01", "007", "69", "88", "99", "00", "000", "2000", "2010", "2015",
            "2020", "2021", "2022", "2023", "2024", "2025", "2026", "2027", "@123", "#1", "321"]


def variants(word: str):
    for base in {word, word.capitalize(), word.upper()}:
        for suffix in SUFFIXES:
            yield base + suffix
    yield word + word
    yield word[::-1]


def sequences():
    digits = "01234567890"
    for start in range(10):
        for length in range(6, 13):
            yield (digits * 2)[start:start + length]
            yield "".join(str((start - i) % 10) for i in range(length))
    for ch in "0123456789abcdefghijklmnopqrstuvwxyz":
        for length in range(6, 17):
            yield ch * length
    for walk in ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc", "qazwsxedc", "q1w2e3r4t5y6",
                 "1q2w3e4r5t6y7u", "zaq1xsw2cde3", "!qaz2wsx", "qweasdzxc", "1234qwer", "abcdefghij",
                 "abcd1234", "a1b2c3d4e5", "1a2b3c4d5e"):
        for length in range(6, len(walk) + 1):
            yield walk[:length]


def main() -> None:
    out: set[str] = set(TOP)
    for word in WORDS:
        out.update(variants(word))
    out.update(sequences())
    lines = sorted({p.lower() for p in out if p})
    path = Path(__file__).resolve().parents[1] / "coop" / "data" / "common-passwords.txt"
    path.write_text("# Common passwords refused by coop (scripts/make_common_passwords.py)\n"
                    + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} passwords -> {path}")


if __name__ == "__main__":
    main()
