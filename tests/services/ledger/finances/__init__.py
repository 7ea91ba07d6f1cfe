"""Ledger service: accounts, postings and exchange rates (an adoption fixture)."""
