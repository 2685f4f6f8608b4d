"""HTML pages: members (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("members", __name__, url_prefix="/members")
