"""Savings products and operations (simpanan pokok, wajib, sukarela, berjangka) as journal entries."""
