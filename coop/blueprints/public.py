"""HTML pages: public (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/p")
