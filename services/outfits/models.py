"""Tables of the outfits database."""

from sqlalchemy.orm import DeclarativeBase

from platformkit.db import new_metadata
from platformkit.messaging_tables import messaging_tables


class Base(DeclarativeBase):
    metadata = new_metadata()


messaging = messaging_tables(Base.metadata)
