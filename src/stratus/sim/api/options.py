"""Per-request options of writes, and what a write reports back besides the object."""

from __future__ import annotations

from dataclasses import dataclass, field

from stratus.sim.errors import BadRequest

__all__ = ["WriteOptions"]

_VALIDATION = {"strict": "Strict", "warn": "Warn", "ignore": "Ignore"}


@dataclass
class WriteOptions:
    dry_run: bool = False
    field_validation: str = "Warn"
    field_manager: str = ""
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_query(
        cls, dry_run: list[str], field_validation: str | None, field_manager: str | None = None
    ) -> WriteOptions:
        for value in dry_run:
            if value != "All":
                raise BadRequest(f'dryRun: Unsupported value: "{value}": supported values: "All"')
        mode = "Warn"
        if field_validation:
            mode = _VALIDATION.get(field_validation.lower(), "")
            if not mode:
                raise BadRequest(
                    f'fieldValidation: Unsupported value: "{field_validation}": '
                    'supported values: "Ignore", "Strict", "Warn"'
                )
        return cls(dry_run=bool(dry_run), field_validation=mode, field_manager=field_manager or "")
