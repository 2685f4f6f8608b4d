"""Citus readiness of the ledger (ARCHITECTURE.md section 9, docs/operations.md "Moving a national deployment
to Citus"): every tenant table's primary key and unique keys include ``cooperative_id``, and so does every
foreign key between tenant tables, so that each cooperative's rows live on one shard and joins stay local.

Today no table meets that (every primary key is ``id`` alone, ``postings`` has no ``cooperative_id``), and
making it so touches every ORM ``get`` by id: the test pins the EXACT current exceptions of the ledger
tables and the tables that reference them, so none is added unnoticed, and docs/operations.md lists the
change each needs. Fixing one means removing it from :data:`LEDGER_EXCEPTIONS`.
"""
from __future__ import annotations

import sqlalchemy as sa

import coop.models  # noqa: F401  (every model in the metadata)
from coop.db import Base

LEDGER = ("accounts", "journal_entries", "postings")
#: Service-level tables (not distributed: Citus reference tables or the coordinator's local tables).
NOT_TENANT = {"cooperatives", "villages", "api_tokens", "login_attempts", "login_throttles"}

#: What stands between the ledger tables (and the tables referencing them) and Citus, table by table:
#: ``pk`` = primary key without cooperative_id, ``no cooperative_id`` = the column is missing,
#: ``unique (cols)``, ``fk col -> table`` = a key or foreign key without cooperative_id.
LEDGER_EXCEPTIONS = {
    "accounts": ["pk", "fk parent_id -> accounts"],
    "cash_counts": ["pk", "fk actor_id -> users", "fk entry_id -> journal_entries"],
    "journal_entries": ["pk", "unique (reverses_id)", "fk actor_id -> users", "fk reverses_id -> journal_entries"],
    "ledger_approvals": ["pk", "fk decided_by_id -> users", "fk requested_by_id -> users",
                         "fk result_entry_id -> journal_entries"],
    "loan_allocations": ["pk", "fk entry_id -> journal_entries", "fk instalment_id -> loan_instalments",
                         "fk repayment_id -> loan_repayments"],
    "loan_provisions": ["pk", "fk entry_id -> journal_entries"],
    "loan_recoveries": ["pk", "fk created_by_id -> users", "fk entry_id -> journal_entries", "fk loan_id -> loans"],
    "loan_repayments": ["pk", "fk created_by_id -> users", "fk entry_id -> journal_entries", "fk loan_id -> loans",
                        "fk replaces_id -> loan_repayments", "fk reversal_entry_id -> journal_entries"],
    "loans": ["pk", "fk approved_by_id -> users", "fk business_id -> training_businesses",
              "fk created_by_id -> users", "fk disbursed_by_id -> users", "fk disbursement_entry_id -> journal_entries",
              "fk guarantor_member_id -> members", "fk ledger_account_id -> accounts", "fk member_id -> members",
              "fk product_id -> loan_products", "fk second_approved_by_id -> users",
              "fk write_off_approved_by_id -> users", "fk write_off_requested_by_id -> users"],
    "members": ["pk", "unique (user_id)", "fk resident_id -> residents", "fk settlement_entry_id -> journal_entries",
                "fk user_id -> users"],
    "postings": ["no cooperative_id", "pk", "unique (entry_id, line_no)", "fk account_id -> accounts", "fk entry_id -> journal_entries"],
    "remittances": ["pk", "unique (entry_id)", "fk actor_id -> users", "fk entry_id -> journal_entries",
                    "fk goal_id -> savings_goals", "fk member_id -> members",
                    "fk savings_account_id -> savings_accounts", "fk sender_resident_id -> residents"],
    "savings_accounts": ["pk", "unique (ledger_account_id)", "fk ledger_account_id -> accounts",
                         "fk member_id -> members", "fk product_id -> savings_products"],
    "savings_interest": ["pk", "fk account_id -> savings_accounts", "fk entry_id -> journal_entries",
                         "fk member_id -> members"],
    "shu_distributions": ["pk", "fk coverage_entry_id -> journal_entries", "fk created_by_id -> users",
                          "fk entry_id -> journal_entries"],
    "shu_member_shares": ["pk", "unique (distribution_id, member_id)", "fk distribution_id -> shu_distributions",
                          "fk member_id -> members", "fk paid_entry_id -> journal_entries"],
    "training_allowance_payments": ["pk", "unique (enrolment_id)", "fk enrolment_id -> training_enrolments",
                                    "fk entry_id -> journal_entries", "fk paid_by_id -> users"],
    "year_ends": ["pk", "fk carry_entry_id -> journal_entries", "fk closed_by_id -> users",
                  "fk closing_entry_id -> journal_entries", "fk tax_entry_id -> journal_entries"],
}


def tenant_tables(metadata: sa.MetaData) -> set[str]:
    """Every table of a cooperative's data: all but the service-level ones (a ledger table without the
    column, like ``postings``, is still a tenant table)."""
    return set(metadata.tables) - NOT_TENANT


def citus_problems(table: sa.Table, tenant: set[str]) -> list[str]:
    """What keeps ``table`` from being distributed by cooperative_id with colocated keys."""
    has = "cooperative_id" in table.c
    out = [] if has else ["no cooperative_id"]
    if "cooperative_id" not in table.primary_key.columns:
        out.append("pk")
    uniques = [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)] + \
        [i for i in table.indexes if i.unique]
    out += sorted(f"unique ({', '.join(u.columns.keys())})" for u in uniques if "cooperative_id" not in u.columns)
    out += sorted(f"fk {', '.join(fk.columns.keys())} -> {fk.referred_table.name}"
                  for fk in table.foreign_key_constraints
                  if fk.referred_table.name in tenant and "cooperative_id" not in fk.columns)
    return out


def ledger_scope(metadata: sa.MetaData) -> set[str]:
    """The ledger tables and every table with a foreign key to one of them."""
    scope = set(LEDGER)
    for table in metadata.tables.values():
        if any(fk.referred_table.name in LEDGER for fk in table.foreign_key_constraints):
            scope.add(table.name)
    return scope


def test_the_ledger_tables_exceptions_to_citus_readiness_are_exactly_the_documented_ones():
    """Are the ledger tables and the tables referencing them kept from Citus by exactly the listed keys (none
    added since, none fixed without updating the list and docs/operations.md)?"""
    metadata = Base.metadata
    tenant = tenant_tables(metadata)
    found = {name: problems for name in sorted(ledger_scope(metadata))
             if (problems := citus_problems(metadata.tables[name], tenant))}
    assert found == LEDGER_EXCEPTIONS


def test_the_check_finds_a_key_without_the_distribution_column_and_passes_a_colocated_one():
    """Does the check pass a table keyed (cooperative_id, id) with a composite foreign key, and name a plain
    id key, a unique key and a foreign key that leave cooperative_id out?"""
    md = sa.MetaData()
    sa.Table("cooperatives", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("parent", md, sa.Column("cooperative_id", sa.Integer, primary_key=True),
             sa.Column("id", sa.Integer, primary_key=True))
    good = sa.Table("good", md, sa.Column("cooperative_id", sa.Integer, primary_key=True),
                    sa.Column("id", sa.Integer, primary_key=True), sa.Column("parent_id", sa.Integer),
                    sa.ForeignKeyConstraint(["cooperative_id", "parent_id"], ["parent.cooperative_id", "parent.id"]),
                    sa.UniqueConstraint("cooperative_id", "parent_id"))
    bad = sa.Table("bad", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("cooperative_id", sa.Integer),
                   sa.Column("code", sa.String), sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id")),
                   sa.UniqueConstraint("code"))
    tenant = {"parent", "good", "bad"}
    assert citus_problems(good, tenant) == []
    assert citus_problems(bad, tenant) == ["pk", "unique (code)", "fk parent_id -> parent"]
