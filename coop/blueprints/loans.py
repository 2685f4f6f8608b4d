"""HTML pages: loans (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("loans", __name__, url_prefix="/loans")
