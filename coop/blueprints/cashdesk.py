"""HTML pages: cashdesk (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("cashdesk", __name__, url_prefix="/cashdesk")
