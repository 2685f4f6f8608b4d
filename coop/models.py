"""Imports every model module so the metadata (and Alembic) knows every table."""
from coop.audit.models import *  # noqa: F401,F403
from coop.auth.models import *  # noqa: F401,F403
from coop.desk.models import *  # noqa: F401,F403
from coop.jobs.models import *  # noqa: F401,F403
from coop.ledger.models import *  # noqa: F401,F403
from coop.loans.models import *  # noqa: F401,F403
from coop.membership.models import *  # noqa: F401,F403
from coop.outreach.models import *  # noqa: F401,F403
from coop.parenting.models import *  # noqa: F401,F403
from coop.programme.models import *  # noqa: F401,F403
from coop.registry.models import *  # noqa: F401,F403
from coop.remittances.models import *  # noqa: F401,F403
from coop.reports.models import *  # noqa: F401,F403
from coop.savings.models import *  # noqa: F401,F403
from coop.settings.models import *  # noqa: F401,F403
from coop.training.models import *  # noqa: F401,F403
from coop.yearend.models import *  # noqa: F401,F403
