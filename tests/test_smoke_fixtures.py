from sqlalchemy import func, select

from pavedroad.catalog.models import Persona


def test_fresh_database_has_the_four_personas_of_the_practice(session):
    assert session.scalar(select(func.count()).select_from(Persona)) == 4
