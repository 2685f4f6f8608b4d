"""HTML pages: ledger (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("ledger", __name__, url_prefix="/ledger")
