"""Year end (writes): closing the books, SHU (sisa hasil usaha) split and distribution, carry-forward, and the
RAT (rapat anggota tahunan) pack of the book year."""
