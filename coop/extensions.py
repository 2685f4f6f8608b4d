"""Flask extensions, unbound; ``create_app`` calls ``init_app`` on each."""
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

from coop.db import db

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()

__all__ = ["db", "migrate", "login_manager", "csrf", "babel", "bootstrap"]
