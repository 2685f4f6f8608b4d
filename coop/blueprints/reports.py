"""HTML pages: reports (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
