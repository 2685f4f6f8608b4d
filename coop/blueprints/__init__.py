"""Thin HTML blueprints: parse input, check the role, call ONE service, render."""
from coop.blueprints.admin import bp as admin_bp
from coop.blueprints.assets import bp as assets_bp
from coop.blueprints.auth import bp as auth_bp
from coop.blueprints.cashdesk import bp as cashdesk_bp
from coop.blueprints.desk import bp as desk_bp
from coop.blueprints.ledger import bp as ledger_bp
from coop.blueprints.loans import bp as loans_bp
from coop.blueprints.main import bp as main_bp
from coop.blueprints.members import bp as members_bp
from coop.blueprints.outreach import bp as outreach_bp
from coop.blueprints.parenting import bp as parenting_bp
from coop.blueprints.programme import bp as programme_bp
from coop.blueprints.public import bp as public_bp
from coop.blueprints.registry import bp as registry_bp
from coop.blueprints.remittances import bp as remittances_bp
from coop.blueprints.reports import bp as reports_bp
from coop.blueprints.training import bp as training_bp

BLUEPRINTS = [assets_bp, auth_bp, main_bp, admin_bp, registry_bp, members_bp, cashdesk_bp, loans_bp, training_bp,
              desk_bp, outreach_bp, parenting_bp, remittances_bp, ledger_bp, reports_bp, programme_bp, public_bp]
