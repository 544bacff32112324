"""Settings models read from the environment: a function's configuration is one pydantic model whose fields are
its environment variables (``applications_table`` <- ``APPLICATIONS_TABLE``), validated once, when built.

What pydantic-settings did here, without its import (about a third of a light function's cold start): values
given to the constructor win, then the variable named by the field (upper case, after ``env_prefix``), then the
field's default. Plain strings, numbers and literals only: nothing is parsed as JSON.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


class EnvironmentSettings(BaseModel):
    """Subclass with the fields a function reads; ``Model()`` reads them from ``os.environ``."""

    model_config = ConfigDict(extra="ignore")
    env_prefix: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        given = dict(data) if isinstance(data, dict) else {}
        for name in cls.model_fields:
            if name not in given:
                value = os.environ.get(f"{cls.env_prefix}{name}".upper())
                if value is not None:
                    given[name] = value
        return given
