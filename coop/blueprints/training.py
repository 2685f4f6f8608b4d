"""HTML pages: training (filled in by its issue)."""
from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/training")
