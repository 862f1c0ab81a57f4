"""What model usage costs, from the genai-prices tables. A model they do not list (a local
server, a new model) has an unknown cost: ``None`` here, never an invented number."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from genai_prices import calc_price
from pydantic_ai import RequestUsage, RunUsage
from pydantic_ai.messages import ModelMessage, ModelResponse

__all__ = ["UNKNOWN_COST", "Pricer"]

UNKNOWN_COST = math.nan
"""How a ``Usage`` records a cost nobody knows: NaN stays NaN through sums and never compares
as spent, so an unpriced model is neither free nor over budget."""


@dataclass(frozen=True)
class Pricer:
    """Prices usage of ``model`` served by ``provider`` (a genai-prices provider id, e.g.
    ``openai``) at ``base_url`` (tried first: it names a reseller more precisely)."""

    model: str
    provider: str | None = None
    base_url: str | None = None

    @property
    def known(self) -> bool:
        """Whether this model has a price at all."""
        return self.price(RequestUsage(input_tokens=1, output_tokens=1)) is not None

    def price(self, usage: RequestUsage | RunUsage) -> Decimal | None:
        """The cost in dollars, or None when the model or the usage cannot be priced."""
        if self.base_url:
            try:
                return calc_price(usage, self.model, provider_api_url=self.base_url).total_price
            except (LookupError, ValueError):
                pass
        try:
            return calc_price(usage, self.model, provider_id=self.provider).total_price
        except (LookupError, ValueError):
            return None

    def cost(self, messages: Iterable[ModelMessage]) -> float:
        """The summed cost of the model responses in ``messages`` (each priced on its own, as
        billed); ``UNKNOWN_COST`` if any cannot be priced; 0 when there is none."""
        total = Decimal(0)
        for message in messages:
            if not isinstance(message, ModelResponse):
                continue
            price = message.usage.cost
            if price is None:
                price = self.price(message.usage)
            if price is None:
                return UNKNOWN_COST
            total += price
        return float(total)
