"""Schemathesis against the service's own OpenAPI document: no input gets a 5xx.

Every operation of ``/openapi.json`` (push, pull, login, lists, attachments, admin), with
schema-conforming and non-conforming data, in-process (ASGI), on SQLite and PostgreSQL, as a
logged-in admin (who reaches every route's database code). Bounded: a few derandomised
examples per operation, well under a minute per backend.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import GenerationConfig, ProjectConfig, SchemathesisConfig

from .harness import Service


@pytest.fixture
def api(service: Service, grid_a: str):
    service.user("admin", "admin")
    admin = service.login("admin")
    config = SchemathesisConfig()
    config.projects.default = ProjectConfig(
        parent=config,
        generation=GenerationConfig(
            modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
            max_examples=6,
            deterministic=True,
        ),
        headers=admin.headers,
    )
    return schemathesis.openapi.from_asgi("/openapi.json", service.app, config=config)


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gets_a_server_error(case) -> None:
    case.call_and_validate(checks=[not_a_server_error])
