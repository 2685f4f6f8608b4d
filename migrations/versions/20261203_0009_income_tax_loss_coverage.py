"""year end: PPh badan accrual and loss coverage (issue 13)

- chart accounts 2402 Utang PPh Badan and 5301 Beban Pajak Penghasilan (PPh Badan) for every existing
  cooperative (new cooperatives get them from the chart template);
- year_ends.income_tax, year_ends.tax_entry_id;
- shu_distributions.loss_from_reserves, loss_from_surplus, coverage_entry_id.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The accounts as of this revision (not imported from the app's chart: it may change after this file).
ACCOUNTS = [("2402", "Utang PPh Badan", "Corporate income tax payable", "liability", "C"),
            ("5301", "Beban Pajak Penghasilan (PPh Badan)", "Income tax expense", "expense", "D")]


def upgrade():
    conn = op.get_bind()
    accounts = sa.table("accounts", sa.column("cooperative_id", ID), sa.column("code", sa.String(40)),
                        sa.column("name", sa.String(200)), sa.column("name_en", sa.String(200)),
                        sa.column("type", sa.String(10)), sa.column("normal_side", sa.String(1)),
                        sa.column("is_control", sa.Boolean()), sa.column("is_open", sa.Boolean()),
                        sa.column("balance", sa.BigInteger()), sa.column("created_at", sa.DateTime(timezone=True)))
    cooperatives = [cid for (cid,) in conn.execute(sa.text("SELECT id FROM cooperatives ORDER BY id"))]
    have = {(cid, code) for cid, code in conn.execute(
        sa.text("SELECT cooperative_id, code FROM accounts WHERE code IN ('2402', '5301')"))}
    rows = [{"cooperative_id": cid, "code": code, "name": name, "name_en": name_en, "type": typ, "normal_side": side,
             "is_control": False, "is_open": True, "balance": 0}
            for cid in cooperatives for code, name, name_en, typ, side in ACCOUNTS if (cid, code) not in have]
    if rows:
        conn.execute(accounts.insert().values(created_at=sa.func.current_timestamp()), rows)
    with op.batch_alter_table("year_ends") as batch:
        batch.add_column(sa.Column("income_tax", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("tax_entry_id", ID, nullable=True))
        batch.create_foreign_key(op.f("fk_year_ends_tax_entry_id_journal_entries"), "journal_entries",
                                 ["tax_entry_id"], ["id"])
    with op.batch_alter_table("shu_distributions") as batch:
        batch.add_column(sa.Column("loss_from_reserves", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("loss_from_surplus", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("coverage_entry_id", ID, nullable=True))
        batch.create_foreign_key(op.f("fk_shu_distributions_coverage_entry_id_journal_entries"), "journal_entries",
                                 ["coverage_entry_id"], ["id"])
        batch.create_check_constraint(op.f("ck_shu_distributions_loss_cover_non_negative"),
                                      "loss_from_reserves >= 0 AND loss_from_surplus >= 0")


def downgrade():
    with op.batch_alter_table("shu_distributions") as batch:
        batch.drop_constraint(op.f("ck_shu_distributions_loss_cover_non_negative"), type_="check")
        batch.drop_constraint(op.f("fk_shu_distributions_coverage_entry_id_journal_entries"), type_="foreignkey")
        batch.drop_column("coverage_entry_id")
        batch.drop_column("loss_from_surplus")
        batch.drop_column("loss_from_reserves")
    with op.batch_alter_table("year_ends") as batch:
        batch.drop_constraint(op.f("fk_year_ends_tax_entry_id_journal_entries"), type_="foreignkey")
        batch.drop_column("tax_entry_id")
        batch.drop_column("income_tax")
    conn = op.get_bind()
    for code, *_ in ACCOUNTS:  # only where nothing was posted to them
        conn.execute(sa.text("DELETE FROM accounts WHERE code = :code AND balance = 0 AND NOT EXISTS"
                             " (SELECT 1 FROM postings p WHERE p.account_id = accounts.id)"), {"code": code})
