"""Alembic migrations per component, one database each.

Every component (``gateway``, ``services.shootings``, ...) keeps its revisions in
``<component>/migrations/versions`` and its SQLAlchemy metadata in ``<component>.models``
(``Base.metadata``); the Alembic environment itself is shared (``platformkit/alembic``).

    python -m platformkit.migrations upgrade services.shootings [URL]
    python -m platformkit.migrations revision services.shootings "add looks" [URL]

Without URL the component's settings decide (``DATABASE_URL_<NAME>``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = (
    "gateway",
    "services.shootings",
    "services.shots",
    "services.outfits",
    "services.exports",
)


def component_config(component: str, database_url: str) -> Config:
    models = importlib.import_module(f"{component}.models")
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    versions = ROOT / component.replace(".", "/") / "migrations" / "versions"
    config.set_main_option("version_locations", str(versions))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["target_metadata"] = models.Base.metadata
    return config


def upgrade(component: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(component_config(component, database_url), revision)


def _url_from_settings(component: str) -> str:
    settings = importlib.import_module(f"{component}.settings").load_settings()
    return settings.database_url.get_secret_value()


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in {"upgrade", "revision"}:
        print(__doc__)
        return 2
    action, component = argv[0], argv[1]
    if action == "upgrade":
        upgrade(component, argv[2] if len(argv) > 2 else _url_from_settings(component))
    else:
        url = argv[3] if len(argv) > 3 else _url_from_settings(component)
        command.revision(component_config(component, url), message=argv[2], autogenerate=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
